//! The members page and the workflow list: one browser bundle
//! (`bundle-admin`), one module each.

pub mod members;
pub mod workflows;

pub use members::MembersPanel;
pub use workflows::WorkflowsPanel;
