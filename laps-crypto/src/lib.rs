//! Windows LAPS encrypted attributes and DPAPI-NG (in progress, see issue 3).
#![forbid(unsafe_code)]
