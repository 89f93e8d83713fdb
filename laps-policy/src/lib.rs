//! Windows LAPS policy resolution (in progress, see issue 4).
#![forbid(unsafe_code)]
