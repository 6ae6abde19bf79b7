//! `host:port` addresses: one checked, a comma-separated list, a hostfile.

use std::borrow::ToOwned;
use std::format;
use std::string::String;
use std::vec::Vec;

/// Checks one `host:port`: a host without blanks or commas (an IPv6
/// address in brackets) and a port from 1 to 65535. Hosts are not resolved
/// here: a SLURM node name may only resolve on the cluster's network.
pub(crate) fn check_address(address: &str) -> Result<(), String> {
    let Some((host, port)) = address.rsplit_once(':') else {
        return Err(format!("`{address}` is not host:port (no `:`)"));
    };
    if host.is_empty() {
        return Err(format!("`{address}` has no host before `:`"));
    }
    if host.chars().any(|c| c.is_whitespace() || c == ',') {
        return Err(format!("`{address}`: the host contains a blank or a comma"));
    }
    // An unbracketed IPv6 address would leave its port ambiguous.
    if host.contains(':') && !(host.starts_with('[') && host.ends_with(']')) {
        return Err(format!(
            "`{address}`: an IPv6 address goes in brackets, as in `[::1]:7400`"
        ));
    }
    match port.parse::<u16>() {
        Ok(0) => Err(format!(
            "`{address}`: port 0 is not a port one can connect to"
        )),
        Ok(_) => Ok(()),
        Err(_) => Err(format!(
            "`{address}`: the port `{port}` is not a number from 1 to 65535"
        )),
    }
}

/// Checks every address, and that none is listed twice: two processes on
/// one address could never both listen.
pub(crate) fn check_addresses(addresses: &[String]) -> Result<(), String> {
    if addresses.is_empty() {
        return Err("no host:port listed".to_owned());
    }
    for (index, address) in addresses.iter().enumerate() {
        check_address(address)?;
        if let Some(earlier) = addresses[..index].iter().position(|a| a == address) {
            return Err(format!(
                "`{address}` is listed twice (processes {earlier} and {index})"
            ));
        }
    }
    Ok(())
}

/// A comma-separated list of `host:port`, blanks around entries ignored.
pub(crate) fn parse_list(list: &str) -> Result<Vec<String>, String> {
    let mut addresses = Vec::new();
    for (position, entry) in list.split(',').enumerate() {
        let entry = entry.trim();
        if entry.is_empty() {
            return Err(format!("entry {position} of `{list}` is empty"));
        }
        addresses.push(entry.to_owned());
    }
    check_addresses(&addresses)?;
    Ok(addresses)
}

/// A hostfile: one `host:port` per line, in process order; blank lines and
/// `#` comments (whole lines or after an address) ignored.
pub(crate) fn parse_hostfile(text: &str) -> Result<Vec<String>, String> {
    let mut addresses = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or_default().trim();
        if line.is_empty() {
            continue;
        }
        check_address(line).map_err(|message| format!("line {}: {message}", number + 1))?;
        addresses.push(line.to_owned());
    }
    check_addresses(&addresses)?;
    Ok(addresses)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec;

    #[test]
    fn addresses() {
        for good in [
            "localhost:1",
            "10.0.0.1:7400",
            "[::1]:65535",
            "node-01.ib:80",
        ] {
            assert_eq!(check_address(good), Ok(()), "{good}");
        }
        for (bad, expected) in [
            ("localhost", "no `:`"),
            (":7400", "no host"),
            ("host:", "not a number"),
            ("host:65536", "not a number"),
            ("host:0", "port 0"),
            ("host:-1", "not a number"),
            ("my host:1", "blank"),
            ("::1:7400", "IPv6"),
        ] {
            let message = check_address(bad).unwrap_err();
            assert!(message.contains(expected), "{bad}: {message}");
        }
    }

    #[test]
    fn lists() {
        assert_eq!(
            parse_list("a:1, b:2 ,c:3").unwrap(),
            vec!["a:1", "b:2", "c:3"]
        );
        assert_eq!(parse_list("a:1").unwrap(), vec!["a:1"]);
        assert!(parse_list("").unwrap_err().contains("entry 0"));
        assert!(parse_list("a:1,,b:2").unwrap_err().contains("entry 1"));
        assert!(parse_list("a:1,b:2,").unwrap_err().contains("entry 2"));
        assert!(parse_list("a:1,b").unwrap_err().contains("`b`"));
        let twice = parse_list("a:1,b:2,a:1").unwrap_err();
        assert!(twice.contains("processes 0 and 2"), "{twice}");
    }

    #[test]
    fn hostfiles() {
        let text = "# the leader first\nnode1:7400\n\n   node2:7400   # a GPU node\n#node3:7400\nnode2:7401\n";
        assert_eq!(
            parse_hostfile(text).unwrap(),
            vec!["node1:7400", "node2:7400", "node2:7401"]
        );
        assert_eq!(
            parse_hostfile("a:1\r\nb:2\r\n").unwrap(),
            vec!["a:1", "b:2"]
        );
        assert!(parse_hostfile("# nobody\n\n")
            .unwrap_err()
            .contains("no host:port"));
        let bad = parse_hostfile("a:1\n\nb:x\n").unwrap_err();
        assert!(bad.starts_with("line 3:") && bad.contains("`x`"), "{bad}");
        let twice = parse_hostfile("a:1\na:1\n").unwrap_err();
        assert!(twice.contains("twice"), "{twice}");
    }
}
