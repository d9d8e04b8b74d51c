pub mod api_block;
pub mod errors;
pub mod modal;
pub mod reveal;
pub mod secret_picker;
pub mod variable_panel;
