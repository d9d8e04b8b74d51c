pub mod account;
pub mod landing;
pub mod login;
pub mod members;
pub mod new_workspace;
pub mod not_found;
pub mod setup;
pub mod variables;
