//! From a registry schema to the model of the Rust code: one struct per resource type and
//! per object property type, the field types, the docs and the `Fn::GetAtt` attributes.

use std::collections::{HashMap, HashSet};

use serde_json::Value as Json;

use crate::docs::{code, first_sentence, sanitize_description};
use crate::naming::{is_identifier, snake_case, upper_camel};
use crate::schema::Schema;

/// The Rust type of a property.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ty {
    /// `Value<String>`.
    Str,
    /// `Value<i64>`.
    Int,
    /// `Value<f64>`.
    Num,
    /// `Value<bool>`.
    Bool,
    /// `Json`: free-form, or a shape that has no clean Rust type.
    Json,
    /// `PolicyDocument`, by [`OVERRIDES`].
    Policy,
    /// `ActionConfiguration`, by [`OVERRIDES`].
    ActionConfiguration,
    /// `Value<T>` of a list or struct type, by [`OVERRIDES`]: the property may be an
    /// intrinsic function as a whole (`Fn::If` with `AWS::NoValue`, a list parameter).
    Value(Box<Ty>),
    /// `Vec<T>`.
    Vec(Box<Ty>),
    /// `BTreeMap<String, T>`.
    Map(Box<Ty>),
    /// A generated struct of the same module.
    Struct(String),
}

impl Ty {
    /// Whether the Rust type is a `Value<...>` (so `new` takes `impl Into<...>`).
    pub fn is_value(&self) -> bool {
        matches!(self, Ty::Str | Ty::Int | Ty::Num | Ty::Bool | Ty::Value(_))
    }
}

/// Properties whose schema type is replaced: policy documents are free-form JSON in the
/// schemas but typed `crate::cfn::PolicyDocument`s in pipewright, as are CodePipeline's
/// action configurations (`crate::cfn::ActionConfiguration`); a few maps whose schema allows
/// several value types have one that makes sense; a few list or object properties that
/// templates set with an intrinsic function as a whole are `Value`s; a property whose `oneOf`
/// admits a legacy shape besides the current one has the current one's type.
///
/// Each entry is (type name, where the property is declared in the schema, Rust type,
/// why). An entry that matches no property of a vendored schema is an error, so the table
/// cannot silently rot when the schemas are refreshed.
pub const OVERRIDES: &[(&str, &str, Override, &str)] = &[
    (
        "AWS::IAM::Role",
        "/properties/AssumeRolePolicyDocument",
        Override::PolicyDocument,
        "trust policy",
    ),
    (
        "AWS::IAM::Role",
        "/definitions/Policy/properties/PolicyDocument",
        Override::PolicyDocument,
        "inline policy",
    ),
    (
        "AWS::IAM::Policy",
        "/properties/PolicyDocument",
        Override::PolicyDocument,
        "policy",
    ),
    (
        "AWS::IAM::ManagedPolicy",
        "/properties/PolicyDocument",
        Override::PolicyDocument,
        "policy",
    ),
    (
        "AWS::S3::BucketPolicy",
        "/properties/PolicyDocument",
        Override::PolicyDocument,
        "bucket policy",
    ),
    (
        "AWS::SNS::TopicPolicy",
        "/properties/PolicyDocument",
        Override::PolicyDocument,
        "topic policy",
    ),
    (
        "AWS::SQS::QueuePolicy",
        "/properties/PolicyDocument",
        Override::PolicyDocument,
        "queue policy",
    ),
    (
        "AWS::DynamoDB::Table",
        "/definitions/ResourcePolicy/properties/PolicyDocument",
        Override::PolicyDocument,
        "table policy",
    ),
    (
        "AWS::DynamoDB::Table",
        "/properties/KeySchema",
        Override::OneOfBranch(0),
        "the list of key elements; the other branch is the legacy `HashKeyElement` object \
         (or its JSON string), which pipewright does not write",
    ),
    (
        "AWS::ECR::Repository",
        "/properties/RepositoryPolicyText",
        Override::PolicyDocument,
        "repository policy",
    ),
    (
        "AWS::CodePipeline::Pipeline",
        "/definitions/ActionDeclaration/properties/Configuration",
        Override::ActionConfiguration,
        "the configuration of an action, whose keys depend on its provider",
    ),
    (
        "AWS::IAM::Role",
        "/properties/ManagedPolicyArns",
        Override::Intrinsic,
        "the bootstrap template's execution role takes a list parameter, or no property, \
         by `Fn::If`",
    ),
    (
        "AWS::S3::Bucket",
        "/properties/PublicAccessBlockConfiguration",
        Override::Intrinsic,
        "the bootstrap template blocks public access, or sets no property, by `Fn::If`",
    ),
    (
        "AWS::KMS::Key",
        "/properties/KeyPolicy",
        Override::PolicyDocument,
        "key policy",
    ),
    (
        "AWS::Lambda::Function",
        "/definitions/Environment/properties/Variables",
        Override::StringMap,
        "Lambda stores environment variables as strings; the schema also admits other JSON \
         values, which CloudFormation turns into strings",
    ),
    (
        "AWS::ApiGateway::Method",
        "/properties/RequestParameters",
        Override::BoolMap,
        "the value says whether the parameter is required: a boolean, or its string form",
    ),
    (
        "AWS::ApiGateway::Method",
        "/definitions/MethodResponse/properties/ResponseParameters",
        Override::BoolMap,
        "the value says whether the header is required: a boolean, or its string form",
    ),
];

/// A replacement type of [`OVERRIDES`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Override {
    /// `crate::cfn::PolicyDocument`.
    PolicyDocument,
    /// `BTreeMap<String, Value<String>>`.
    StringMap,
    /// `BTreeMap<String, Value<bool>>`.
    BoolMap,
    /// `crate::cfn::ActionConfiguration`.
    ActionConfiguration,
    /// The schema's type, as a `Value` of it.
    Intrinsic,
    /// The type of the schema's `oneOf` branch of this index, the others being ignored.
    OneOfBranch(usize),
}

impl Override {
    /// The replacement type; `None` for [`Override::Intrinsic`] and
    /// [`Override::OneOfBranch`], which derive it from the schema's.
    fn ty(self) -> Option<Ty> {
        match self {
            Override::PolicyDocument => Some(Ty::Policy),
            Override::StringMap => Some(Ty::Map(Box::new(Ty::Str))),
            Override::BoolMap => Some(Ty::Map(Box::new(Ty::Bool))),
            Override::ActionConfiguration => Some(Ty::ActionConfiguration),
            Override::Intrinsic | Override::OneOfBranch(_) => None,
        }
    }
}

/// A field of a generated struct.
#[derive(Clone, Debug)]
pub struct Field {
    /// The property's name in the schema (and in the template).
    pub json_name: String,
    /// The snake_case name.
    pub rust_name: String,
    /// Its type (without the `Option` of optional fields).
    pub ty: Ty,
    /// Whether the schema requires it.
    pub required: bool,
    /// Whether the type is a struct that contains this one (so it needs a `Box`).
    pub boxed: bool,
    /// Doc paragraphs.
    pub doc: Vec<String>,
}

/// A generated struct.
#[derive(Clone, Debug)]
pub struct Struct {
    /// Its name.
    pub name: String,
    /// Doc paragraphs.
    pub doc: Vec<String>,
    /// Its fields, in the order of the schema's `properties`.
    pub fields: Vec<Field>,
    /// The JSON names of the required fields, in the order of the schema's `required`.
    pub required: Vec<String>,
}

impl Struct {
    /// The required fields in alphabetical order of their property names: the order of
    /// `new`'s parameters. Many required properties share a type (`Value<String>`), so
    /// the order must be one a caller can tell without reading the schema; the order of
    /// a schema's `required` list is arbitrary (`Permission` lists `FunctionName` before
    /// `Action`), and guessing it wrong compiles.
    pub fn required_fields(&self) -> Vec<&Field> {
        let mut fields: Vec<&Field> = self
            .fields
            .iter()
            .filter(|f| self.required.contains(&f.json_name))
            .collect();
        fields.sort_by(|a, b| a.json_name.cmp(&b.json_name));
        fields
    }
}

/// An attribute of `Fn::GetAtt`.
#[derive(Clone, Debug)]
pub struct GetAtt {
    /// `SnapStartResponse.ApplyOn`.
    pub name: String,
    /// `SnapStartResponseApplyOn`.
    pub variant: String,
}

/// One resource type.
#[derive(Clone, Debug)]
pub struct Resource {
    /// `AWS::Lambda::Function`.
    pub type_name: String,
    /// `Lambda`.
    pub service: String,
    /// `function`.
    pub module: String,
    /// `FunctionAttribute`.
    pub attribute_enum: String,
    /// The attributes `Fn::GetAtt` accepts.
    pub attributes: Vec<GetAtt>,
    /// The resource struct first, then the property types in discovery order.
    pub structs: Vec<Struct>,
}

impl Resource {
    /// The resource struct.
    pub fn main_struct(&self) -> &Struct {
        &self.structs[0]
    }
}

/// A property (or part of one) typed `Json`, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonMapping {
    /// The resource type.
    pub type_name: String,
    /// Where in the schema: `/definitions/ActionDeclaration/properties/Configuration`.
    pub location: String,
    /// Why it has no typed Rust equivalent.
    pub reason: String,
}

/// Everything generated from a set of schemas.
#[derive(Clone, Debug)]
pub struct Model {
    /// The resource types, sorted by type name.
    pub resources: Vec<Resource>,
    /// The properties typed `Json`.
    pub json: Vec<JsonMapping>,
    /// The applied [`OVERRIDES`]: (type name, location, replacement).
    pub overrides: Vec<(String, String, Override)>,
}

/// Builds the model of a set of schemas.
pub fn build(schemas: &[Schema]) -> Result<Model, String> {
    build_with(schemas, OVERRIDES)
}

/// Builds the model of a set of schemas with an override table of the form of
/// [`OVERRIDES`].
fn build_with(
    schemas: &[Schema],
    overrides: &'static [(&'static str, &'static str, Override, &'static str)],
) -> Result<Model, String> {
    let mut model = Model {
        resources: Vec::new(),
        json: Vec::new(),
        overrides: Vec::new(),
    };
    for schema in schemas {
        let mut builder = Builder::new(schema, overrides)?;
        let resource = builder.resource()?;
        if let Some((location, ..)) = builder.overrides.iter().find(|(_, _, used, _)| !used) {
            return Err(format!(
                "{}: the override of {location} matches no property",
                schema.type_name
            ));
        }
        model.overrides.extend(
            builder
                .overrides
                .iter()
                .map(|(l, o, _, _)| (schema.type_name.clone(), l.to_string(), *o)),
        );
        model.json.append(&mut builder.json);
        model.resources.push(resource);
    }
    model
        .resources
        .sort_by(|a, b| a.type_name.cmp(&b.type_name));
    Ok(model)
}

/// Names the generated code uses unqualified, which no struct may take.
const RESERVED: &[&str] = &[
    "Attribute",
    "BTreeMap",
    "Box",
    "Json",
    "Option",
    "PolicyDocument",
    "ResourceType",
    "Self",
    "String",
    "Value",
    "Vec",
];

struct Builder<'a> {
    schema: &'a Schema,
    read_only: HashSet<String>,
    create_only: HashSet<String>,
    write_only: HashSet<String>,
    /// (location, override, used, why)
    overrides: Vec<(&'static str, Override, bool, &'static str)>,
    structs: Vec<Option<Struct>>,
    by_location: HashMap<String, String>,
    taken: HashSet<String>,
    definition_names: HashMap<String, String>,
    json: Vec<JsonMapping>,
}

impl<'a> Builder<'a> {
    fn new(
        schema: &'a Schema,
        overrides: &'static [(&'static str, &'static str, Override, &'static str)],
    ) -> Result<Self, String> {
        let locations = |key: &str| -> Result<HashSet<String>, String> {
            schema
                .pointers(key)
                .into_iter()
                .map(|p| {
                    schema.declaration_of(p).ok_or_else(|| {
                        format!("{}: {key} entry `{p}` names no property", schema.type_name)
                    })
                })
                .collect()
        };
        let resource = schema.resource().to_owned();
        if RESERVED.contains(&resource.as_str()) {
            return Err(format!(
                "{}: the struct would shadow `{resource}` in the generated code",
                schema.type_name
            ));
        }
        let mut taken: HashSet<String> = RESERVED.iter().map(|s| s.to_string()).collect();
        taken.insert(resource.clone());
        taken.insert(format!("{resource}Attribute"));
        let mut definition_names = HashMap::new();
        if let Some(definitions) = schema.json.get("definitions").and_then(Json::as_object) {
            for name in definitions.keys() {
                let base = upper_camel(name);
                if !is_identifier(&base) {
                    return Err(format!(
                        "{}: definition `{name}` has no Rust name",
                        schema.type_name
                    ));
                }
                let rust = unique(&mut taken, [base.clone(), format!("{base}Property")]);
                definition_names.insert(name.clone(), rust);
            }
        }
        Ok(Builder {
            schema,
            read_only: locations("readOnlyProperties")?,
            create_only: locations("createOnlyProperties")?,
            write_only: locations("writeOnlyProperties")?,
            overrides: overrides
                .iter()
                .filter(|(t, ..)| *t == schema.type_name)
                .map(|(_, l, o, why)| (*l, *o, false, *why))
                .collect(),
            structs: Vec::new(),
            by_location: HashMap::new(),
            taken,
            definition_names,
            json: Vec::new(),
        })
    }

    fn type_name(&self) -> &str {
        &self.schema.type_name
    }

    fn resource(&mut self) -> Result<Resource, String> {
        let schema = self.schema;
        let name = schema.resource().to_owned();
        self.struct_at("", &schema.json, name.clone(), None)?;
        let structs: Vec<Struct> = std::mem::take(&mut self.structs)
            .into_iter()
            .map(|s| s.expect("every struct is complete once the root is"))
            .collect();
        let structs = box_recursive_fields(structs);
        let attributes = crate::getatts::attributes(schema)?
            .into_iter()
            .map(|name| GetAtt {
                variant: name.split('.').map(upper_camel).collect(),
                name,
            })
            .collect::<Vec<_>>();
        let mut variants = HashSet::new();
        for a in &attributes {
            if !variants.insert(a.variant.clone()) {
                return Err(format!(
                    "{}: two attributes are named {}",
                    schema.type_name, a.variant
                ));
            }
        }
        let module = snake_case(&name);
        if !is_identifier(&module) {
            return Err(format!("{}: no module name", schema.type_name));
        }
        Ok(Resource {
            type_name: schema.type_name.clone(),
            service: schema.service().to_owned(),
            module,
            attribute_enum: format!("{name}Attribute"),
            attributes,
            structs,
        })
    }

    /// The struct of the object at `location` ("" for the resource's own properties).
    fn struct_at(
        &mut self,
        location: &str,
        node: &Json,
        name: String,
        owner: Option<&str>,
    ) -> Result<String, String> {
        if let Some(existing) = self.by_location.get(location) {
            return Ok(existing.clone());
        }
        self.by_location.insert(location.to_owned(), name.clone());
        let index = self.structs.len();
        self.structs.push(None);

        let required: Vec<&str> = node
            .get("required")
            .and_then(Json::as_array)
            .map(|r| r.iter().filter_map(Json::as_str).collect())
            .unwrap_or_default();
        let properties = node.get("properties").and_then(Json::as_object);
        for r in &required {
            if !properties.is_some_and(|p| p.contains_key(*r)) {
                return Err(format!(
                    "{}: {location} requires `{r}`, which it does not declare",
                    self.type_name()
                ));
            }
        }
        let mut fields: Vec<Field> = Vec::new();
        for (json_name, property) in properties.into_iter().flatten() {
            let property_location = format!("{location}/properties/{}", escape_pointer(json_name));
            if self.read_only.contains(&property_location) {
                continue;
            }
            let rust_name = snake_case(json_name);
            if !is_identifier(&rust_name) {
                return Err(format!(
                    "{}: property {property_location} has no Rust name",
                    self.type_name()
                ));
            }
            if let Some(other) = fields.iter().find(|f| f.rust_name == rust_name) {
                return Err(format!(
                    "{}: properties `{}` and `{json_name}` of {location} are both `{rust_name}` in Rust",
                    self.type_name(),
                    other.json_name
                ));
            }
            let ty = self.map(property, &property_location, json_name, &name)?;
            let doc = self.field_doc(json_name, property, &property_location, &ty);
            fields.push(Field {
                json_name: json_name.clone(),
                rust_name,
                ty,
                required: required.contains(&json_name.as_str()),
                boxed: false,
                doc,
            });
        }
        let doc = self.struct_doc(node, &name, location, owner);
        let required = required
            .iter()
            .filter(|r| fields.iter().any(|f| f.json_name == **r))
            .map(|r| r.to_string())
            .collect();
        self.structs[index] = Some(Struct {
            name: name.clone(),
            doc,
            fields,
            required,
        });
        Ok(name)
    }

    /// The Rust type of the schema `node` declared at `location`.
    fn map(&mut self, node: &Json, location: &str, hint: &str, owner: &str) -> Result<Ty, String> {
        if let Some(o) = self.overrides.iter_mut().find(|(l, ..)| *l == location) {
            o.2 = true;
            let replacement = o.1;
            if let Some(ty) = replacement.ty() {
                return Ok(ty);
            }
            if let Override::OneOfBranch(index) = replacement {
                let branch = node
                    .get("oneOf")
                    .and_then(|b| b.get(index))
                    .ok_or_else(|| {
                        format!(
                            "{}: {location} has no `oneOf` branch {index} to override with",
                            self.type_name()
                        )
                    })?;
                return self.map_schema(branch, &format!("{location}/oneOf/{index}"), hint, owner);
            }
            return Ok(Ty::Value(Box::new(
                self.map_schema(node, location, hint, owner)?,
            )));
        }
        self.map_schema(node, location, hint, owner)
    }

    /// The Rust type of the schema `node` declared at `location`, whatever [`OVERRIDES`]
    /// says.
    fn map_schema(
        &mut self,
        node: &Json,
        location: &str,
        hint: &str,
        owner: &str,
    ) -> Result<Ty, String> {
        if let Some(reference) = node.get("$ref") {
            let reference = reference.as_str().ok_or_else(|| {
                format!("{}: $ref of {location} is not a string", self.type_name())
            })?;
            let (name, definition) = self.schema.resolve(reference)?;
            return self.map(
                definition,
                &format!("/definitions/{}", escape_pointer(name)),
                name,
                owner,
            );
        }
        let types: Vec<&str> = match node.get("type") {
            None => Vec::new(),
            Some(Json::String(t)) => vec![t.as_str()],
            Some(Json::Array(ts)) => ts
                .iter()
                .map(|t| {
                    t.as_str()
                        .ok_or_else(|| format!("{}: bad type at {location}", self.type_name()))
                })
                .collect::<Result<_, _>>()?,
            Some(other) => {
                return Err(format!(
                    "{}: bad type {other} at {location}",
                    self.type_name()
                ))
            }
        };
        if types.len() > 1 {
            return Ok(self.json(location, format!("multi-type {}", types.join("|"))));
        }
        match types.first().copied() {
            Some("string") => Ok(Ty::Str),
            Some("integer") => Ok(Ty::Int),
            Some("number") => Ok(Ty::Num),
            Some("boolean") => Ok(Ty::Bool),
            Some("array") => match node.get("items") {
                None => Ok(Ty::Vec(Box::new(self.json(
                    &format!("{location}/items"),
                    "array without `items`".into(),
                )))),
                Some(items) if !items.is_object() => Ok(self.json(location, "tuple array".into())),
                Some(items) => Ok(Ty::Vec(Box::new(self.map(
                    items,
                    &format!("{location}/items"),
                    hint,
                    owner,
                )?))),
            },
            Some("object") | None => self.map_object(node, location, hint, owner, types.is_empty()),
            Some(other) => Err(format!(
                "{}: unknown type `{other}` at {location}",
                self.type_name()
            )),
        }
    }

    fn map_object(
        &mut self,
        node: &Json,
        location: &str,
        hint: &str,
        owner: &str,
        untyped: bool,
    ) -> Result<Ty, String> {
        if let Some(keyword) = ["oneOf", "anyOf", "allOf"]
            .into_iter()
            .find(|k| is_structural(node.get(*k)))
        {
            return Ok(self.json(location, format!("`{keyword}` of different object shapes")));
        }
        if node
            .get("properties")
            .and_then(Json::as_object)
            .is_some_and(|p| !p.is_empty())
        {
            let name = match location
                .strip_prefix("/definitions/")
                .filter(|d| !d.contains('/'))
            {
                Some(definition) => self.definition_names[&unescape_pointer(definition)].clone(),
                None => {
                    let base = upper_camel(hint);
                    unique(&mut self.taken, [base.clone(), format!("{owner}{base}")])
                }
            };
            return Ok(Ty::Struct(self.struct_at(
                location,
                node,
                name,
                Some(owner),
            )?));
        }
        let mut values = Vec::new();
        if let Some(patterns) = node.get("patternProperties").and_then(Json::as_object) {
            for (pattern, value) in patterns {
                values.push((
                    format!("{location}/patternProperties/{}", escape_pointer(pattern)),
                    value,
                ));
            }
        }
        if let Some(additional) = node.get("additionalProperties").filter(|a| a.is_object()) {
            values.push((format!("{location}/additionalProperties"), additional));
        }
        if !values.is_empty() {
            let mut tys = Vec::new();
            for (value_location, value) in values {
                tys.push(self.map(value, &value_location, hint, owner)?);
            }
            if tys.iter().all(|t| *t == tys[0]) {
                return Ok(Ty::Map(Box::new(tys.swap_remove(0))));
            }
            return Ok(self.json(location, "map with values of different types".into()));
        }
        if untyped {
            Ok(self.json(location, "no type".into()))
        } else {
            Ok(self.json(location, "free-form object".into()))
        }
    }

    fn json(&mut self, location: &str, reason: String) -> Ty {
        self.json.push(JsonMapping {
            type_name: self.type_name().to_owned(),
            location: location.to_owned(),
            reason,
        });
        Ty::Json
    }

    /// The schema node with its `$ref` (if any) followed, for its constraints.
    fn target<'n>(&'n self, node: &'n Json) -> &'n Json {
        let mut node = node;
        for _ in 0..8 {
            match node
                .get("$ref")
                .and_then(Json::as_str)
                .and_then(|r| self.schema.resolve(r).ok())
            {
                Some((_, definition)) => node = definition,
                None => break,
            }
        }
        node
    }

    fn field_doc(&self, json_name: &str, property: &Json, location: &str, ty: &Ty) -> Vec<String> {
        let target = self.target(property);
        let description = property
            .get("description")
            .or_else(|| target.get("description"))
            .and_then(Json::as_str);
        let mut first = match description {
            Some(d) if !sanitize_description(d).is_empty() => {
                first_sentence(&sanitize_description(d))
            }
            _ => format!("The `{json_name}` property: {}.", summary(ty, target)),
        };
        if matches!(ty, Ty::Vec(_)) {
            let count = range(
                items_bound(target, "minItems"),
                items_bound(target, "maxItems"),
            );
            if !count.is_empty() {
                let noun = if count.ends_with(" 1") {
                    "item"
                } else {
                    "items"
                };
                first = format!("{} ({count} {noun}).", first.trim_end_matches('.'));
            }
        }
        let mut notes = Vec::new();
        if let Some(default) = target
            .get("default")
            .filter(|d| !d.is_object() && !d.is_array())
        {
            let text = match default {
                Json::String(s) => s.clone(),
                other => other.to_string(),
            };
            if text.len() <= 40 && !text.contains('\n') {
                notes.push(format!("Default: {}.", code(&text)));
            }
        }
        if self.create_only.contains(location) {
            notes.push("Changing it replaces the resource.".to_owned());
        }
        if self.write_only.contains(location) {
            notes.push("Write-only: CloudFormation does not return it.".to_owned());
        }
        let mut doc = vec![[first]
            .into_iter()
            .chain(notes)
            .collect::<Vec<_>>()
            .join(" ")];
        let values_node = match target.get("items") {
            Some(items) if matches!(ty, Ty::Vec(_)) => self.target(items),
            _ => target,
        };
        if let Some(values) = values_node.get("enum").and_then(Json::as_array) {
            let values: Vec<String> = values
                .iter()
                .map(|v| code(v.as_str().map_or(&v.to_string(), |s| s)))
                .collect();
            doc.push(format!("Allowed values: {}.", values.join(", ")));
        } else if let Some(value) = values_node.get("const") {
            doc.push(format!(
                "Must be {}.",
                code(value.as_str().map_or(&value.to_string(), |s| s))
            ));
        }
        doc
    }

    fn struct_doc(
        &self,
        node: &Json,
        name: &str,
        location: &str,
        owner: Option<&str>,
    ) -> Vec<String> {
        let type_name = self.type_name();
        let description = node
            .get("description")
            .and_then(Json::as_str)
            .map(sanitize_description);
        let mut doc = Vec::new();
        if location.is_empty() {
            doc.push(description.unwrap_or_else(|| {
                format!(
                    "The properties of an `{type_name}` resource, typed from its registry schema."
                )
            }));
            doc.push(format!(
                "Declare one with [`Template::add`](crate::cfn::Template::add); `Fn::GetAtt` reads the \
                 attributes of [`{name}Attribute`]."
            ));
        } else {
            let origin = match (location.strip_prefix("/definitions/"), owner) {
                (Some(definition), _) if !definition.contains('/') => {
                    format!(
                        "The `{}` property type of `{type_name}`.",
                        unescape_pointer(definition)
                    )
                }
                (_, Some(owner)) => {
                    let property = location.rsplit("/properties/").next().unwrap_or(location);
                    format!(
                        "The `{}` object of [`{owner}`], in `{type_name}`.",
                        unescape_pointer(property)
                    )
                }
                _ => format!("A property type of `{type_name}`."),
            };
            doc.push(description.unwrap_or(origin));
        }
        let notes = constraint_notes(
            node,
            if location.is_empty() {
                &self.schema.json
            } else {
                node
            },
        );
        if !notes.is_empty() {
            doc.push(notes.join(" "));
        }
        doc
    }
}

/// Takes the first free name of the candidates (then the last one with a number).
fn unique<const N: usize>(taken: &mut HashSet<String>, candidates: [String; N]) -> String {
    let chosen = candidates
        .iter()
        .find(|c| !taken.contains(*c))
        .cloned()
        .unwrap_or_else(|| {
            let last = &candidates[N - 1];
            (2..)
                .map(|i| format!("{last}{i}"))
                .find(|c| !taken.contains(c))
                .expect("some number is free")
        });
    taken.insert(chosen.clone());
    chosen
}

/// Whether a `oneOf`/`anyOf`/`allOf` changes the shape of a value, rather than only
/// constraining it (`required`, `format`, ...).
fn is_structural(branches: Option<&Json>) -> bool {
    const CONSTRAINTS: &[&str] = &[
        "required",
        "format",
        "description",
        "pattern",
        "minLength",
        "maxLength",
        "minimum",
        "maximum",
        "enum",
        "const",
    ];
    match branches {
        None => false,
        Some(Json::Array(branches)) => branches.iter().any(|b| {
            b.as_object()
                .is_none_or(|o| o.keys().any(|k| !CONSTRAINTS.contains(&k.as_str())))
        }),
        Some(_) => true,
    }
}

/// Sentences for `requiredXor`, `oneOf`/`anyOf` of `required`, `dependentExcluded`.
fn constraint_notes(node: &Json, root: &Json) -> Vec<String> {
    let names = |v: &Json| -> Vec<String> {
        v.as_array()
            .map(|a| a.iter().filter_map(Json::as_str).map(code).collect())
            .unwrap_or_default()
    };
    let mut notes = Vec::new();
    if let Some(xor) = root.get("requiredXor") {
        notes.push(format!("Set exactly one of {}.", names(xor).join(", ")));
    }
    if let Some(or) = root.get("requiredOr") {
        notes.push(format!("Set at least one of {}.", names(or).join(", ")));
    }
    for (keyword, quantity) in [("oneOf", "exactly one"), ("anyOf", "at least one")] {
        let Some(branches) = node.get(keyword).and_then(Json::as_array) else {
            continue;
        };
        let alternatives: Option<Vec<String>> = branches
            .iter()
            .map(|b| {
                let o = b.as_object()?;
                let required = o.get("required").filter(|_| o.len() == 1)?;
                Some(names(required).join(" and ")).filter(|s| !s.is_empty())
            })
            .collect();
        if let Some(alternatives) = alternatives {
            notes.push(format!("Set {quantity} of {}.", alternatives.join(", ")));
        }
    }
    if let Some(excluded) = root.get("dependentExcluded").and_then(Json::as_object) {
        for (name, others) in excluded {
            notes.push(format!(
                "{} excludes {}.",
                code(name),
                names(others).join(", ")
            ));
        }
    }
    notes
}

fn items_bound(node: &Json, key: &str) -> Option<String> {
    node.get(key).filter(|v| v.is_number()).map(Json::to_string)
}

/// `1 to 64`, `at least 1`, `at most 64`, or nothing.
fn range(min: Option<String>, max: Option<String>) -> String {
    match (min, max) {
        (Some(min), Some(max)) if min == max => format!("exactly {min}"),
        (Some(min), Some(max)) => format!("{min} to {max}"),
        (Some(min), None) if min != "0" => format!("at least {min}"),
        (Some(_), None) => String::new(),
        (None, Some(max)) => format!("at most {max}"),
        (None, None) => String::new(),
    }
}

/// What a value of a type is, in words: `an integer from 128 to 10240`.
fn summary(ty: &Ty, node: &Json) -> String {
    let bound = |key: &str| node.get(key).filter(|v| v.is_number()).map(Json::to_string);
    match ty {
        Ty::Str => {
            let mut s = "a string".to_owned();
            let length = range(bound("minLength"), bound("maxLength"));
            if !length.is_empty() {
                s.push_str(&format!(" of {length} characters"));
            }
            let mut formats: Vec<String> = node
                .get("format")
                .and_then(Json::as_str)
                .map(code)
                .into_iter()
                .collect();
            for branch in node
                .get("anyOf")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
            {
                formats.extend(branch.get("format").and_then(Json::as_str).map(code));
            }
            if !formats.is_empty() {
                s.push_str(&format!(" (format {})", formats.join(" or ")));
            }
            s
        }
        Ty::Int | Ty::Num => {
            let mut s = if *ty == Ty::Int {
                "an integer"
            } else {
                "a number"
            }
            .to_owned();
            match (bound("minimum"), bound("maximum")) {
                (Some(min), Some(max)) => s.push_str(&format!(" from {min} to {max}")),
                (Some(min), None) => s.push_str(&format!(" of at least {min}")),
                (None, Some(max)) => s.push_str(&format!(" of at most {max}")),
                (None, None) => {}
            }
            s
        }
        Ty::Bool => "a boolean".to_owned(),
        Ty::Json => match node.get("type").and_then(Json::as_array) {
            Some(types) => {
                let types: Vec<String> = types.iter().filter_map(Json::as_str).map(code).collect();
                format!("JSON of type {}", types.join(" or "))
            }
            None => "free-form JSON".to_owned(),
        },
        Ty::Policy => "an IAM policy document".to_owned(),
        Ty::ActionConfiguration => "an action configuration".to_owned(),
        Ty::Value(inner) => format!(
            "{}, or an intrinsic function evaluating to one",
            summary(inner, node)
        ),
        Ty::Struct(name) => format!("see [`{name}`]"),
        Ty::Vec(inner) => format!("a list of {}", plural(inner)),
        Ty::Map(inner) => format!("a map of names to {}", plural(inner)),
    }
}

fn plural(ty: &Ty) -> String {
    match ty {
        Ty::Str => "strings".to_owned(),
        Ty::Int => "integers".to_owned(),
        Ty::Num => "numbers".to_owned(),
        Ty::Bool => "booleans".to_owned(),
        Ty::Json => "JSON values".to_owned(),
        Ty::Policy => "IAM policy documents".to_owned(),
        Ty::ActionConfiguration => "action configurations".to_owned(),
        Ty::Value(inner) => plural(inner),
        Ty::Struct(name) => format!("[`{name}`] values"),
        Ty::Vec(inner) => format!("lists of {}", plural(inner)),
        Ty::Map(inner) => format!("maps of names to {}", plural(inner)),
    }
}

/// Boxes each field whose struct contains (directly, or through other fields that are not
/// behind a `Vec` or a map) the field's own struct: such a type would have an infinite size.
fn box_recursive_fields(mut structs: Vec<Struct>) -> Vec<Struct> {
    let direct: HashMap<String, Vec<String>> = structs
        .iter()
        .map(|s| {
            let targets = s
                .fields
                .iter()
                .filter_map(|f| match &f.ty {
                    Ty::Struct(t) => Some(t.clone()),
                    _ => None,
                })
                .collect();
            (s.name.clone(), targets)
        })
        .collect();
    let reaches = |from: &str, to: &str| -> bool {
        let mut seen = HashSet::new();
        let mut stack = vec![from.to_owned()];
        while let Some(current) = stack.pop() {
            if current == to {
                return true;
            }
            if seen.insert(current.clone()) {
                stack.extend(direct.get(&current).into_iter().flatten().cloned());
            }
        }
        false
    };
    for s in &mut structs {
        for f in &mut s.fields {
            if let Ty::Struct(t) = &f.ty {
                f.boxed = reaches(t, &s.name);
            }
        }
    }
    structs
}

fn escape_pointer(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

fn unescape_pointer(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn model(schema: Json) -> Model {
        build(&[Schema::from_json(schema).unwrap()]).unwrap()
    }

    #[test]
    fn recursive_definitions_are_boxed_but_lists_are_not() {
        let m = model(json!({
            "typeName": "AWS::Test::Tree",
            "properties": {"Root": {"$ref": "#/definitions/Node"}},
            "definitions": {"Node": {"type": "object", "properties": {
                "Next": {"$ref": "#/definitions/Node"},
                "Children": {"type": "array", "items": {"$ref": "#/definitions/Node"}}
            }}}
        }));
        let node = &m.resources[0].structs[1];
        assert_eq!(node.name, "Node");
        assert!(node.fields[0].boxed, "Next is boxed");
        assert!(!node.fields[1].boxed, "Children is a Vec");
        assert!(
            !m.resources[0].structs[0].fields[0].boxed,
            "Root does not contain Tree"
        );
    }

    #[test]
    fn shapes_map_to_types_and_json_is_reported() {
        let m = model(json!({
            "typeName": "AWS::Test::Shapes",
            "properties": {
                "S": {"type": "string"},
                "I": {"type": "integer"},
                "N": {"type": "number"},
                "B": {"type": "boolean"},
                "L": {"type": "array", "items": {"type": "string"}},
                "M": {"type": "object", "patternProperties": {"x": {"type": "string"}}},
                "Free": {"type": "object"},
                "Multi": {"type": ["object", "string"]},
                "Inline": {"type": "object", "properties": {"A": {"type": "string"}}},
                "Arn": {"type": "string"}
            },
            "required": ["S"],
            "readOnlyProperties": ["/properties/Arn"]
        }));
        let r = &m.resources[0];
        let tys: Vec<(&str, &Ty, bool)> = r
            .main_struct()
            .fields
            .iter()
            .map(|f| (f.json_name.as_str(), &f.ty, f.required))
            .collect();
        assert_eq!(
            tys,
            [
                ("S", &Ty::Str, true),
                ("I", &Ty::Int, false),
                ("N", &Ty::Num, false),
                ("B", &Ty::Bool, false),
                ("L", &Ty::Vec(Box::new(Ty::Str)), false),
                ("M", &Ty::Map(Box::new(Ty::Str)), false),
                ("Free", &Ty::Json, false),
                ("Multi", &Ty::Json, false),
                ("Inline", &Ty::Struct("Inline".into()), false),
            ]
        );
        let json: Vec<&str> = m.json.iter().map(|j| j.location.as_str()).collect();
        assert_eq!(json, ["/properties/Free", "/properties/Multi"]);
        assert_eq!(
            r.attributes
                .iter()
                .map(|a| a.name.as_str())
                .collect::<Vec<_>>(),
            ["Arn"]
        );
    }

    #[test]
    fn a_one_of_branch_override_types_the_property_as_that_branch() {
        const OVERRIDES: &[(&str, &str, Override, &str)] = &[(
            "AWS::Test::Keyed",
            "/properties/Keys",
            Override::OneOfBranch(0),
            "the current shape",
        )];
        let schema = json!({
            "typeName": "AWS::Test::Keyed",
            "properties": {
                "Keys": {"oneOf": [
                    {"$ref": "#/definitions/Keys", "minItems": 1},
                    {"format": "json", "type": ["object", "string"]}
                ]},
                "Other": {"oneOf": [
                    {"$ref": "#/definitions/Keys"},
                    {"type": ["object", "string"]}
                ]}
            },
            "required": ["Keys"],
            "requiredOr": ["Keys", "Other"],
            "definitions": {"Keys": {"type": "array", "items": {
                "type": "object",
                "properties": {"Name": {"type": "string"}},
                "required": ["Name"]
            }}}
        });
        let m = build_with(&[Schema::from_json(schema.clone()).unwrap()], OVERRIDES).unwrap();
        let r = &m.resources[0];
        let fields = &r.main_struct().fields;
        assert_eq!(fields[0].json_name, "Keys");
        assert_eq!(
            fields[0].ty,
            Ty::Vec(Box::new(Ty::Struct("KeyedKeys".into())))
        );
        assert_eq!(
            fields[1].ty,
            Ty::Json,
            "without the override, `oneOf` is `Json`"
        );
        assert_eq!(r.structs[1].fields[0].json_name, "Name");
        assert_eq!(
            m.overrides,
            [(
                "AWS::Test::Keyed".to_owned(),
                "/properties/Keys".to_owned(),
                Override::OneOfBranch(0)
            )]
        );
        assert!(
            r.main_struct().doc[2].contains("Set at least one of `Keys`, `Other`."),
            "{:?}",
            r.main_struct().doc
        );
        const MISSING: &[(&str, &str, Override, &str)] = &[(
            "AWS::Test::Keyed",
            "/properties/Keys",
            Override::OneOfBranch(2),
            "no such branch",
        )];
        let error = build_with(&[Schema::from_json(schema).unwrap()], MISSING).unwrap_err();
        assert!(error.contains("no `oneOf` branch 2"), "{error}");
    }

    #[test]
    fn clashing_names_are_disambiguated() {
        let m = model(json!({
            "typeName": "AWS::Test::Thing",
            "properties": {
                "A": {"$ref": "#/definitions/Value"},
                "Json": {"type": "object", "properties": {"X": {"type": "string"}}}
            },
            "definitions": {"Value": {"type": "object", "properties": {"X": {"type": "string"}}}}
        }));
        let names: Vec<&str> = m.resources[0]
            .structs
            .iter()
            .map(|s| s.name.as_str())
            .collect();
        assert_eq!(names, ["Thing", "ValueProperty", "ThingJson"]);
    }
}
