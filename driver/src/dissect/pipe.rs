//! Standard output as `dissect` writes to it. When its reader goes away (`| head`), what was
//! still meant for it is dropped quietly, as tshark does, and the analysis and the other outputs
//! (`--json FILE`, ...) go on to their end: a closed pipe is no error.

use std::io::{self, ErrorKind, Write};

/// Standard output that turns a closed pipe into a sink.
pub struct Stdout {
    closed: bool,
}

impl Stdout {
    pub fn new() -> Self {
        Stdout { closed: false }
    }

    fn guard<T>(&mut self, fallback: T, result: io::Result<T>) -> io::Result<T> {
        match result {
            Err(error) if error.kind() == ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(fallback)
            }
            other => other,
        }
    }
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.closed {
            return Ok(buf.len());
        }
        let result = io::stdout().write(buf);
        self.guard(buf.len(), result)
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.closed {
            return Ok(());
        }
        let result = io::stdout().flush();
        self.guard((), result)
    }
}
