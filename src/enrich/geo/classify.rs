//! What a `sourceIPAddress` value is: a public, private, loopback, link-local or reserved
//! address, an AWS service name, or not an address at all.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// What a sourceIPAddress value is. Only Public values are ever looked up or reported as foreign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IpClass {
    Public,
    Private,
    Loopback,
    LinkLocal,
    Reserved,
    AwsService,
    NotAnIp,
}

impl IpClass {
    pub fn as_str(&self) -> &'static str {
        match self {
            IpClass::Public => "public",
            IpClass::Private => "private",
            IpClass::Loopback => "loopback",
            IpClass::LinkLocal => "link-local",
            IpClass::Reserved => "reserved",
            IpClass::AwsService => "aws-service",
            IpClass::NotAnIp => "not-an-ip",
        }
    }

    /// True only for [`IpClass::Public`].
    pub fn is_public(&self) -> bool {
        matches!(self, IpClass::Public)
    }
}

impl fmt::Display for IpClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Classifies a CloudTrail sourceIPAddress: IPv4 and IPv6 (incl. IPv4-mapped IPv6), RFC1918/ULA/CGNAT(100.64/10) = private,
/// documentation/benchmark/multicast/unspecified/broadcast/240/4 = reserved, service names like "cloudtrail.amazonaws.com",
/// "AWS Internal", "*.amazonaws.com" = aws-service, anything else (including malformed "225.01.00.16") = not-an-ip.
///
/// The documentation ranges 192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32 and 3fff::/20 are
/// classified Public when `treat_documentation_as_public` is set (test data uses them), Reserved otherwise.
///
/// The address is returned whenever the value is one, whatever its class; an IPv4-mapped IPv6
/// address (`::ffff:a.b.c.d`) is returned, and classified, as the IPv4 address it carries.
/// Surrounding whitespace is ignored; leading zeros in IPv4 octets, zone ids (`fe80::1%eth0`),
/// brackets and ports make the value not-an-ip.
pub fn classify(value: &str, treat_documentation_as_public: bool) -> (IpClass, Option<IpAddr>) {
    let value = value.trim();
    if value.is_empty() {
        return (IpClass::NotAnIp, None);
    }
    if let Ok(ip) = value.parse::<IpAddr>() {
        let ip = ip.to_canonical();
        return (classify_ip(ip, treat_documentation_as_public), Some(ip));
    }
    if is_aws_service(value) {
        return (IpClass::AwsService, None);
    }
    (IpClass::NotAnIp, None)
}

/// Classifies an address already parsed (IPv4-mapped IPv6 addresses are classified as IPv4).
pub fn classify_ip(ip: IpAddr, treat_documentation_as_public: bool) -> IpClass {
    match ip.to_canonical() {
        IpAddr::V4(v4) => classify_v4(v4, treat_documentation_as_public),
        IpAddr::V6(v6) => classify_v6(v6, treat_documentation_as_public),
    }
}

fn in_v4(ip: Ipv4Addr, net: [u8; 4], len: u32) -> bool {
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    (u32::from(ip) & mask) == (u32::from(Ipv4Addr::from(net)) & mask)
}

fn classify_v4(ip: Ipv4Addr, doc_public: bool) -> IpClass {
    if ip.is_loopback() {
        return IpClass::Loopback; // 127/8
    }
    if ip.is_link_local() {
        return IpClass::LinkLocal; // 169.254/16
    }
    if ip.is_private() || in_v4(ip, [100, 64, 0, 0], 10) {
        return IpClass::Private; // RFC 1918, CGNAT (RFC 6598)
    }
    if in_v4(ip, [192, 0, 2, 0], 24)
        || in_v4(ip, [198, 51, 100, 0], 24)
        || in_v4(ip, [203, 0, 113, 0], 24)
    {
        return if doc_public {
            IpClass::Public
        } else {
            IpClass::Reserved
        };
    }
    if in_v4(ip, [0, 0, 0, 0], 8) // "this network", incl. 0.0.0.0
        || in_v4(ip, [192, 0, 0, 0], 24) // IETF protocol assignments
        || in_v4(ip, [198, 18, 0, 0], 15) // benchmarking
        || ip.is_multicast() // 224/4
        || in_v4(ip, [240, 0, 0, 0], 4)
    // reserved, incl. broadcast
    {
        return IpClass::Reserved;
    }
    IpClass::Public
}

fn classify_v6(ip: Ipv6Addr, doc_public: bool) -> IpClass {
    let s = ip.segments();
    if ip.is_loopback() {
        return IpClass::Loopback;
    }
    if ip.is_unspecified() {
        return IpClass::Reserved;
    }
    if (s[0] & 0xffc0) == 0xfe80 {
        return IpClass::LinkLocal; // fe80::/10
    }
    if (s[0] & 0xfe00) == 0xfc00 || (s[0] & 0xffc0) == 0xfec0 {
        return IpClass::Private; // ULA fc00::/7, deprecated site-local fec0::/10
    }
    if (s[0] == 0x2001 && s[1] == 0x0db8) || (s[0] == 0x3fff && s[1] < 0x1000) {
        // documentation: 2001:db8::/32 and 3fff::/20 (RFC 9637)
        return if doc_public {
            IpClass::Public
        } else {
            IpClass::Reserved
        };
    }
    if (s[0] & 0xe000) != 0x2000 {
        // Outside global unicast 2000::/3: multicast ff00::/8, IPv4-compatible ::/96,
        // discard 100::/64, NAT64 64:ff9b::/96, and unallocated space.
        return IpClass::Reserved;
    }
    if s[0] == 0x2001
        && (s[1] == 0x0002 && s[2] == 0 || (s[1] & 0xffe0) == 0x0020 || (s[1] & 0xfff0) == 0x0010)
    {
        // benchmarking 2001:2::/48, ORCHID 2001:10::/28, ORCHIDv2 2001:20::/28
        return IpClass::Reserved;
    }
    IpClass::Public
}

/// "AWS Internal", or a host name under amazonaws.com (service principals such as
/// "cloudtrail.amazonaws.com"; ".amazonaws.com.cn" in the China partition).
fn is_aws_service(value: &str) -> bool {
    let lower = value.to_ascii_lowercase();
    if lower == "aws internal" {
        return true;
    }
    let host = match lower
        .strip_suffix(".amazonaws.com")
        .or_else(|| lower.strip_suffix(".amazonaws.com.cn"))
    {
        Some(host) => host,
        None => return false,
    };
    !host.is_empty()
        && host.split('.').all(|label| {
            label == "*"
                || (!label.is_empty()
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn classification_of_every_class() {
        use IpClass::*;
        let cases: &[(&str, IpClass)] = &[
            ("81.2.69.160", Public),
            ("8.8.8.8", Public),
            ("2a00:1450:4009::1", Public),
            ("10.1.2.3", Private),
            ("172.16.0.1", Private),
            ("172.31.255.255", Private),
            ("192.168.1.1", Private),
            ("100.64.0.1", Private),
            ("100.127.255.254", Private),
            ("fc00::1", Private),
            ("fd12:3456::1", Private),
            ("127.0.0.1", Loopback),
            ("127.8.8.8", Loopback),
            ("::1", Loopback),
            ("::ffff:127.0.0.1", Loopback),
            ("169.254.1.1", LinkLocal),
            ("169.254.169.254", LinkLocal),
            ("fe80::1", LinkLocal),
            ("0.0.0.0", Reserved),
            ("::", Reserved),
            ("224.0.0.1", Reserved),
            ("239.255.255.250", Reserved),
            ("ff02::1", Reserved),
            ("255.255.255.255", Reserved),
            ("240.0.0.1", Reserved),
            ("198.18.0.1", Reserved),
            ("192.0.0.8", Reserved),
            ("192.0.2.1", Reserved),
            ("198.51.100.1", Reserved),
            ("203.0.113.1", Reserved),
            ("2001:db8::1", Reserved),
            ("3fff::1", Reserved),
            ("2001:2::1", Reserved),
            ("64:ff9b::808:808", Reserved),
            ("100::1", Reserved),
            ("cloudtrail.amazonaws.com", AwsService),
            ("ec2.amazonaws.com", AwsService),
            ("AWS Internal", AwsService),
            ("aws internal", AwsService),
            ("s3.cn-north-1.amazonaws.com.cn", AwsService),
            ("*.amazonaws.com", AwsService),
            ("amazonaws.com", NotAnIp),
            ("evil.amazonaws.com.example.net", NotAnIp),
            ("bad host.amazonaws.com", NotAnIp),
            ("225.01.00.16", NotAnIp),
            ("", NotAnIp),
            ("   ", NotAnIp),
            ("1.2.3", NotAnIp),
            ("1.2.3.4:443", NotAnIp),
            ("[::1]", NotAnIp),
            ("fe80::1%eth0", NotAnIp),
            ("example.com", NotAnIp),
        ];
        for (value, want) in cases {
            let (got, addr) = classify(value, false);
            assert_eq!(got, *want, "classify({value:?})");
            let is_ip = !matches!(want, AwsService | NotAnIp);
            assert_eq!(addr.is_some(), is_ip, "address for {value:?}");
        }
        assert_eq!(classify(" 8.8.8.8\n", false), (Public, Some(ip("8.8.8.8"))));
        assert_eq!(
            classify("::ffff:10.0.0.1", false),
            (Private, Some(ip("10.0.0.1")))
        );
    }

    #[test]
    fn class_names() {
        use IpClass::*;
        let all = [
            Public, Private, Loopback, LinkLocal, Reserved, AwsService, NotAnIp,
        ];
        let names: Vec<&str> = all.iter().map(|c| c.as_str()).collect();
        assert_eq!(
            names,
            [
                "public",
                "private",
                "loopback",
                "link-local",
                "reserved",
                "aws-service",
                "not-an-ip"
            ]
        );
        assert_eq!(LinkLocal.to_string(), "link-local");
        assert!(Public.is_public() && !Private.is_public());
    }

    #[test]
    fn documentation_ranges_public_only_with_flag() {
        for doc in [
            "192.0.2.1",
            "198.51.100.200",
            "203.0.113.9",
            "2001:db8:1::1",
            "3fff:fff::1",
        ] {
            assert_eq!(classify(doc, false).0, IpClass::Reserved, "{doc}");
            assert_eq!(classify(doc, true).0, IpClass::Public, "{doc}");
        }
        // The flag changes nothing else.
        for (value, class) in [
            ("10.0.0.1", IpClass::Private),
            ("198.18.0.1", IpClass::Reserved),
            ("192.0.3.1", IpClass::Public),
            ("3fff:1000::1", IpClass::Public),
            ("2001:db9::1", IpClass::Public),
        ] {
            assert_eq!(classify(value, true).0, class, "{value}");
            assert_eq!(classify(value, false).0, class, "{value}");
        }
    }
}
