//! Writing NUL-terminated text into a caller's buffer without allocating, all or nothing.

use crate::error::mptcpscan_result;

/// The longest text any function renders (a 40-byte option area or a quote diff as text stays
/// well below it).
const SCRATCH_LEN: usize = 2048;

/// Text being rendered on the stack; overflow is remembered, not written.
pub(crate) struct Text {
    buf: [u8; SCRATCH_LEN],
    len: usize,
    overflow: bool,
}

impl Text {
    /// Appends `s`.
    pub(crate) fn push(&mut self, s: &str) {
        let end = self.len + s.len();
        match self.buf.get_mut(self.len..end) {
            Some(out) => {
                out.copy_from_slice(s.as_bytes());
                self.len = end;
            }
            None => self.overflow = true,
        }
    }
}

impl core::fmt::Write for Text {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        self.push(s);
        Ok(())
    }
}

/// Renders text with `render` and copies it, NUL-terminated, to the front of `out`; returns its
/// length without the NUL. Nothing is written to `out` unless the whole text and its NUL fit.
pub(crate) fn write_c_string(
    out: &mut [u8],
    render: impl FnOnce(&mut Text),
) -> Result<usize, mptcpscan_result> {
    let mut text = Text {
        buf: [0; SCRATCH_LEN],
        len: 0,
        overflow: false,
    };
    render(&mut text);
    let len = text.len;
    if text.overflow || len >= out.len() {
        return Err(mptcpscan_result::BufferTooShort);
    }
    out[..len].copy_from_slice(&text.buf[..len]);
    out[len] = 0;
    Ok(len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fits_exactly_or_writes_nothing() {
        let mut buf = [0xffu8; 6];
        let render = |t: &mut Text| {
            t.push("ab");
            t.push("cde");
        };
        assert_eq!(write_c_string(&mut buf, render), Ok(5));
        assert_eq!(&buf, b"abcde\0");
        let mut short = [0xffu8; 5];
        assert_eq!(
            write_c_string(&mut short, render),
            Err(mptcpscan_result::BufferTooShort)
        );
        assert_eq!(short, [0xff; 5]);
        let mut empty: [u8; 0] = [];
        assert_eq!(
            write_c_string(&mut empty, |_| {}),
            Err(mptcpscan_result::BufferTooShort)
        );
    }
}
