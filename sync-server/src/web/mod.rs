//! The district office's dashboard in a browser.

pub mod password;
