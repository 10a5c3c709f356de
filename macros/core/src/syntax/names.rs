//! The name after a block's keyword, as every block reads it.

use syn::parse::ParseStream;
use syn::{token, Ident};

/// `NAME` after `keyword`; a clear error when the name is missing.
pub(super) fn block_name(input: ParseStream, keyword: &str) -> syn::Result<Ident> {
    if input.peek(token::Brace) {
        return Err(syn::Error::new(
            input.span(),
            format!("expected a name after `{keyword}`, as in `{keyword} MyName {{ ... }}`"),
        ));
    }
    input.parse().map_err(|e| {
        syn::Error::new(
            e.span(),
            format!("expected a name after `{keyword}`, as in `{keyword} MyName {{ ... }}`"),
        )
    })
}
