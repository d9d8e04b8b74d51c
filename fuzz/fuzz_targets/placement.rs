#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| varvault::server::fuzz_checks::placement(data));
