pub mod errors;
pub mod modal;
