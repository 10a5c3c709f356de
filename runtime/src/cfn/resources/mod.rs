//! PLACEHOLDER until runtime/codegen generates this module.

/// The attribute names `Fn::GetAtt` accepts for a vendored resource type.
pub fn attribute_names(_type_name: &str) -> Option<&'static [&'static str]> {
    None
}
