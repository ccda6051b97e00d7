//! Kernel listeners: plain TCP or upstream-Linux MPTCP (`IPPROTO_MPTCP`), on every address of
//! their namespace, so that a local route (`ip route add local PREFIX dev lo`) makes each address
//! of a prefix a server.

use std::io::Write;
use std::net::{Ipv6Addr, SocketAddr, TcpListener};

use anyhow::Context;
use socket2::{Domain, Protocol, Socket, Type};

/// Linux's protocol number for MPTCP sockets.
const IPPROTO_MPTCP: i32 = 262;

/// Binds a dual-stack listener per port (`[::]`, IPv4 addresses mapped).
pub fn bind_all(mptcp: bool, ports: &[u16]) -> anyhow::Result<Vec<TcpListener>> {
    ports
        .iter()
        .map(|&port| {
            let protocol = mptcp.then(|| Protocol::from(IPPROTO_MPTCP));
            let socket = Socket::new(Domain::IPV6, Type::STREAM, protocol)
                .context("creating the listening socket (is net.mptcp.enabled=1?)")?;
            socket.set_only_v6(false)?;
            socket.set_reuse_address(true)?;
            let addr = SocketAddr::from((Ipv6Addr::UNSPECIFIED, port));
            socket
                .bind(&addr.into())
                .with_context(|| format!("binding port {port}"))?;
            socket.listen(4096)?;
            Ok(socket.into())
        })
        .collect()
}

/// Accepts connections forever and greets each with one line, so that a client sees a
/// complete exchange (MPTCP or its fallback to TCP) before the server closes.
pub fn serve(listeners: Vec<TcpListener>) -> anyhow::Result<()> {
    let threads: Vec<_> = listeners
        .into_iter()
        .map(|listener| {
            std::thread::spawn(move || loop {
                if let Ok((mut stream, _)) = listener.accept() {
                    let _ = stream.write_all(b"mptcpscan-lab\n");
                }
            })
        })
        .collect();
    for thread in threads {
        let _ = thread.join();
    }
    anyhow::bail!("every listener stopped")
}
