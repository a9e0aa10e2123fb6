//! Line and column of the bytes an XML reader has consumed, counted as it
//! goes (no index of line starts is kept, so memory does not grow with the
//! file).

use std::io::{self, BufRead, Read};

/// A 1-based line and column (in characters, not bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct Position {
    pub line: u64,
    pub column: u64,
}

/// Wraps a `BufRead` and counts lines and columns of every consumed byte.
pub struct CountingReader<R> {
    inner: R,
    line: u64,
    column: u64,
    bytes: u64,
    last_byte: Option<u8>,
}

impl<R: BufRead> CountingReader<R> {
    pub fn new(inner: R) -> Self {
        CountingReader { inner, line: 1, column: 1, bytes: 0, last_byte: None }
    }

    /// Where the next unconsumed byte is.
    pub fn position(&self) -> Position {
        Position { line: self.line, column: self.column }
    }

    /// Bytes consumed so far.
    pub fn consumed_bytes(&self) -> u64 {
        self.bytes
    }

    /// The last byte consumed, if any.
    pub fn last_byte(&self) -> Option<u8> {
        self.last_byte
    }
}

/// (line, column) after reading `bytes` from (line, column).
fn advance(mut line: u64, mut column: u64, bytes: &[u8]) -> (u64, u64) {
    for &b in bytes {
        if b == b'\n' {
            line += 1;
            column = 1;
        } else if b & 0xC0 != 0x80 {
            // the first byte of a UTF-8 character
            column += 1;
        }
    }
    (line, column)
}

impl<R: BufRead> Read for CountingReader<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = {
            let available = self.inner.fill_buf()?;
            let n = available.len().min(out.len());
            out[..n].copy_from_slice(&available[..n]);
            n
        };
        self.consume(n);
        Ok(n)
    }
}

impl<R: BufRead> BufRead for CountingReader<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amount: usize) {
        if let Ok(buf) = self.inner.fill_buf() {
            let consumed = &buf[..amount.min(buf.len())];
            (self.line, self.column) = advance(self.line, self.column, consumed);
            if let Some(&last) = consumed.last() {
                self.last_byte = Some(last);
            }
        }
        self.bytes += amount as u64;
        self.inner.consume(amount);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_lines_and_characters() {
        let mut r = CountingReader::new("ab\nあい\nc".as_bytes());
        let mut s = String::new();
        r.read_line(&mut s).unwrap();
        assert_eq!(r.position(), Position { line: 2, column: 1 });
        let buf = r.fill_buf().unwrap().to_vec();
        assert_eq!(&buf[..6], "あい".as_bytes());
        r.consume(6);
        assert_eq!(r.position(), Position { line: 2, column: 3 });
        assert_eq!(r.consumed_bytes(), 9);
    }
}
