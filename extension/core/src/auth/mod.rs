//! Authentication building blocks: password hashing and policy, random
//! secrets, and the signed tokens (JWT) PostgREST accepts. The rules of who
//! may log in live in SQL (`sql/accounts/login*.sql`); these are the parts
//! that need real cryptography.

pub mod jwt;
pub mod password;
pub mod secret;
