pub mod errors;
pub mod modal;
pub mod reveal;
pub mod variable_panel;
