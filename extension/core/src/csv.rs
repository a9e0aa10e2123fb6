//! A small RFC 4180 CSV reader that remembers on which line each record
//! starts, so that every problem can be reported as "line N".
//!
//! Accepts LF or CRLF line ends, a UTF-8 byte-order mark (Excel writes one),
//! quoted fields with doubled quotes and line breaks inside quotes.

use thiserror::Error;

use crate::error::{ErrorCode, ErrorKind};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// 1-based line on which the record starts.
    pub line: usize,
    pub fields: Vec<String>,
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum CsvError {
    #[error("{line}行目: 引用符（\"）が閉じられていません。")]
    UnterminatedQuote { line: usize },
    #[error("{line}行目: 引用符で囲まれた値の後に余分な文字があります。")]
    TextAfterQuote { line: usize },
}

impl ErrorCode for CsvError {
    fn code(&self) -> &'static str {
        "E_CSV_MALFORMED"
    }

    fn message(&self) -> String {
        self.to_string()
    }

    fn kind(&self) -> ErrorKind {
        ErrorKind::MalformedText
    }
}

impl CsvError {
    pub fn line(&self) -> usize {
        match self {
            Self::UnterminatedQuote { line } | Self::TextAfterQuote { line } => *line,
        }
    }
}

/// Reads every record; blank lines are skipped.
pub fn read_records(text: &str) -> Result<Vec<Record>, CsvError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line = 1;
    while chars.peek().is_some() {
        let start_line = line;
        let mut fields = Vec::new();
        let mut field = String::new();
        let mut quoted_field_ended = false;
        loop {
            match chars.next() {
                None => {
                    fields.push(std::mem::take(&mut field));
                    break;
                }
                Some('"') if field.is_empty() && !quoted_field_ended => {
                    let quote_line = line;
                    loop {
                        match chars.next() {
                            None => return Err(CsvError::UnterminatedQuote { line: quote_line }),
                            Some('"') if chars.peek() == Some(&'"') => {
                                chars.next();
                                field.push('"');
                            }
                            Some('"') => break,
                            Some(c) => {
                                if c == '\n' {
                                    line += 1;
                                }
                                field.push(c);
                            }
                        }
                    }
                    quoted_field_ended = true;
                }
                Some(',') => {
                    fields.push(std::mem::take(&mut field));
                    quoted_field_ended = false;
                }
                Some('\r') if chars.peek() == Some(&'\n') => {}
                Some('\n') => {
                    line += 1;
                    fields.push(std::mem::take(&mut field));
                    break;
                }
                Some(_) if quoted_field_ended => return Err(CsvError::TextAfterQuote { line }),
                Some(c) => field.push(c),
            }
        }
        let blank = fields.len() == 1 && fields[0].is_empty();
        if !blank {
            records.push(Record { line: start_line, fields });
        }
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(text: &str) -> Vec<Vec<String>> {
        read_records(text).unwrap().into_iter().map(|r| r.fields).collect()
    }

    #[test]
    fn plain_quoted_and_empty_fields() {
        assert_eq!(fields("a,b,c\n1,,3\n"), vec![vec!["a", "b", "c"], vec!["1", "", "3"]]);
        assert_eq!(fields("\"x,y\",\"say \"\"hi\"\"\",z"), vec![vec!["x,y", "say \"hi\"", "z"]]);
    }

    #[test]
    fn crlf_bom_blank_lines_and_line_numbers() {
        let records = read_records("\u{feff}h1,h2\r\n\r\n\"multi\nline\",2\r\nlast,3").unwrap();
        assert_eq!(records.len(), 3);
        assert_eq!(records[0].fields, vec!["h1", "h2"]);
        assert_eq!((records[1].line, records[1].fields[0].as_str()), (3, "multi\nline"));
        assert_eq!(records[2].line, 5);
    }

    #[test]
    fn broken_quoting_names_the_line() {
        assert_eq!(read_records("a\nb,\"open\nstill"), Err(CsvError::UnterminatedQuote { line: 2 }));
        assert_eq!(read_records("a\n\"q\"x,b"), Err(CsvError::TextAfterQuote { line: 2 }));
        assert_eq!(CsvError::UnterminatedQuote { line: 7 }.line(), 7);
    }
}
