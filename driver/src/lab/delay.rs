//! A delay line on a TUN device: every packet routed into the device comes back out of it a
//! fixed time later, in order. The lab's two-path host uses one per path to give the paths
//! different propagation delays where the kernel has no netem (`CONFIG_NET_SCH_NETEM`).

use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::tun::Tun;

/// The largest IP packet a TUN device hands over.
const MAX_PACKET: usize = 65_536;

/// Delays every packet of `device` by `delay`, forever.
pub fn run(device: Tun, delay: Duration) -> anyhow::Result<()> {
    let mut writer = device.try_clone()?;
    let (queue, due) = mpsc::channel::<(Instant, Vec<u8>)>();
    // The writer sleeps until each packet is due; with one constant delay, arrival order is due
    // order, so a FIFO suffices.
    let thread = std::thread::spawn(move || {
        for (at, packet) in due {
            let now = Instant::now();
            if at > now {
                std::thread::sleep(at - now);
            }
            writer.send(&packet);
        }
    });
    let mut reader = device;
    let mut buf = vec![0u8; MAX_PACKET];
    loop {
        let n = reader.recv(&mut buf)?;
        if queue
            .send((Instant::now() + delay, buf[..n].to_vec()))
            .is_err()
        {
            break;
        }
    }
    let _ = thread.join();
    anyhow::bail!("the delay line's writer stopped")
}
