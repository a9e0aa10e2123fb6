//! Account issuance inputs that need parsing: the hospital user-data file
//! (医療機関ユーザデータファイル, CSV) of A4.

pub mod user_data_file;
