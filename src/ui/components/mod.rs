pub mod status_check;
