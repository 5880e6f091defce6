//! Saved AWS CLI outputs for the posture checks: the first byte picks the file name (which
//! settles some commands), the rest is the document.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use rootlens::decode::posture;

const NAMES: [&str; 8] = [
    "111122223333__global__20240501T080000Z__iam-get-account-summary.json",
    "111122223333__global__20240501T080000Z__iam-get-account-password-policy.json",
    "111122223333__global__20240501T080000Z__iam-list-virtual-mfa-devices.json",
    "111122223333__global__20240501T080000Z__organizations-list-targets-for-policy__p-FullAWSAccess.json",
    "111122223333__us-east-1__20240501T080000Z__events-list-targets-by-rule__root-sign-in.json",
    "111122223333__global__20240501T080000Z__account-get-alternate-contact__SECURITY.json",
    "111122223333__global__20240501T080000Z__organizations-describe-policy__p-FullAWSAccess.json",
    "output.json",
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, document)) = data.split_first() else {
        return;
    };
    let name = NAMES[pick as usize % NAMES.len()];
    let _ = posture::is_posture_document(&[String::from_utf8_lossy(document).into_owned()]);
    let _ = posture::decode(document, Path::new(name));
});
