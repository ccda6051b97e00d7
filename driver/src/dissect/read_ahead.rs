//! Reading a capture file ahead of the parse, on a thread of its own.
//!
//! Copying a large capture out of the page cache costs about as much processor time as parsing
//! it (docs/benchmarks.md), so a thread reads the next blocks while the records of the current
//! one are parsed, and on two cores the two overlap. Blocks are handed over whole, not copied:
//! only the unconsumed end of a block (a record cut by the block's end) is copied, into the room
//! the reading thread leaves at the front of every block. At most [`AHEAD`] blocks wait, so
//! memory stays a few blocks whatever the file's size.

use std::fs::File;
use std::io::{self, Read};
use std::mem;
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::thread::{self, JoinHandle};

use super::capture::{Source, Window, READ_BLOCK};

/// Room at the front of each block for the unconsumed end of the block before it. Records are
/// rarely longer; a longer rest is gathered by copying the blocks after it.
const HEADROOM: usize = 64 << 10;

/// Blocks read and waiting for the parse, at most.
const AHEAD: usize = 2;

/// The size of every block the reading thread makes (headroom included).
const BLOCK_SIZE: usize = HEADROOM + READ_BLOCK;

/// What the reading thread hands over.
enum Message {
    /// Bytes of the file, in `buffer[HEADROOM..end]`.
    Block { buffer: Vec<u8>, end: usize },
    /// The end of the file.
    End,
    /// The operating system failed to read the file.
    Failed(io::Error),
}

/// A file read by a thread of its own, a few blocks ahead of the parse.
pub struct ReadAhead {
    /// Blocks from the thread (`None` once dropped, which stops the thread).
    blocks: Option<Receiver<Message>>,
    /// Blocks parsed, back to the thread to be read into again.
    spare: Sender<Vec<u8>>,
    thread: Option<JoinHandle<()>>,
    ended: bool,
}

impl ReadAhead {
    /// Starts reading `file` from its current position.
    pub fn start(file: File) -> io::Result<ReadAhead> {
        let (block_sender, blocks) = mpsc::sync_channel(AHEAD);
        let (spare, spare_receiver) = mpsc::channel();
        let thread = thread::Builder::new()
            .name("capture-read".into())
            .spawn(move || read_blocks(file, &block_sender, &spare_receiver))?;
        Ok(ReadAhead {
            blocks: Some(blocks),
            spare,
            thread: Some(thread),
            ended: false,
        })
    }

    /// Gives a block back to the thread, unless it is one grown for a long record.
    fn recycle(&self, buffer: Vec<u8>) {
        if buffer.len() == BLOCK_SIZE {
            // The thread has ended when this fails: the block is dropped instead.
            let _ = self.spare.send(buffer);
        }
    }
}

impl Source for ReadAhead {
    fn refill(&mut self, window: &mut Window, len: usize) -> io::Result<()> {
        while window.end - window.start < len && !self.ended {
            let Some(blocks) = &self.blocks else {
                break;
            };
            match blocks.recv() {
                Ok(Message::Block { mut buffer, end }) => {
                    let rest = window.end - window.start;
                    if rest <= HEADROOM {
                        // The unconsumed bytes go just before the new ones; the block becomes
                        // the window's buffer.
                        let at = HEADROOM - rest;
                        buffer[at..HEADROOM]
                            .copy_from_slice(&window.buffer[window.start..window.end]);
                        let parsed = mem::replace(&mut window.buffer, buffer);
                        window.start = at;
                        window.end = end;
                        self.recycle(parsed);
                    } else {
                        // A record longer than the headroom: gathered in the window's buffer.
                        window.compact();
                        window.buffer.truncate(window.end);
                        window.buffer.extend_from_slice(&buffer[HEADROOM..end]);
                        window.end = window.buffer.len();
                        self.recycle(buffer);
                    }
                }
                Ok(Message::End) => self.ended = true,
                Ok(Message::Failed(error)) => {
                    self.ended = true;
                    return Err(error);
                }
                Err(mpsc::RecvError) => {
                    self.ended = true;
                    return Err(io::Error::other(
                        "the thread reading the capture stopped before its end",
                    ));
                }
            }
        }
        Ok(())
    }
}

impl Drop for ReadAhead {
    /// Stops the thread (a send to a dropped channel fails) and waits for it, so that no read of
    /// the file outlives its reader.
    fn drop(&mut self) {
        drop(self.blocks.take());
        if let Some(thread) = self.thread.take() {
            // A thread that panicked has nothing more to say; its blocks are gone already.
            let _ = thread.join();
        }
    }
}

/// The reading thread: fills blocks and sends them until the file ends, reading fails, or the
/// parse goes away.
fn read_blocks(mut file: File, blocks: &SyncSender<Message>, spare: &Receiver<Vec<u8>>) {
    loop {
        let mut buffer = spare.try_recv().unwrap_or_else(|_| vec![0; BLOCK_SIZE]);
        let mut end = HEADROOM;
        let mut at_end = false;
        while end < buffer.len() {
            match file.read(&mut buffer[end..]) {
                Ok(0) => {
                    at_end = true;
                    break;
                }
                Ok(n) => end += n,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => {
                    let _ = blocks.send(Message::Failed(error));
                    return;
                }
            }
        }
        if end > HEADROOM && blocks.send(Message::Block { buffer, end }).is_err() {
            return;
        }
        if at_end {
            let _ = blocks.send(Message::End);
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// Reads `bytes` from a file through a read-ahead window, `len` bytes at a time.
    fn read_through(bytes: &[u8], len: usize) -> Vec<u8> {
        let path = std::env::temp_dir().join(format!(
            "mptcpscan-read-ahead-{}-{len}-{}",
            std::process::id(),
            bytes.len()
        ));
        File::create(&path).unwrap().write_all(bytes).unwrap();
        let file = File::open(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        let mut ahead = ReadAhead::start(file).unwrap();
        let mut window = Window {
            buffer: Vec::new(),
            start: 0,
            end: 0,
        };
        let mut out = Vec::new();
        loop {
            ahead.refill(&mut window, len).unwrap();
            let take = len.min(window.end - window.start);
            if take == 0 {
                return out;
            }
            out.extend_from_slice(&window.buffer[window.start..window.start + take]);
            window.start += take;
        }
    }

    #[test]
    fn pieces_across_blocks_and_longer_than_the_headroom_come_out_whole() {
        let bytes: Vec<u8> = (0..3 * READ_BLOCK + 12345)
            .map(|i| (i * 7 % 251) as u8)
            .collect();
        for len in [1, 1500, HEADROOM - 1, HEADROOM + 1, 2 * READ_BLOCK + 3] {
            assert!(read_through(&bytes, len) == bytes, "{len} bytes at a time");
        }
        assert!(read_through(&[], 16).is_empty());
    }
}
