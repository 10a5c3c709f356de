//! Pipeline variables: `#{namespace.name}` in an action's configuration, resolved from what
//! earlier actions published (CloudFormation outputs, CodeBuild exported variables, the
//! source's commit) as CodePipeline resolves them when the action starts.

use std::collections::BTreeMap;

/// The variables published so far in one execution: namespace → name → value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Variables {
    namespaces: BTreeMap<String, BTreeMap<String, String>>,
}

impl Variables {
    /// Publishes the variables of one action's namespace (replacing an earlier run's).
    pub fn publish(&mut self, namespace: &str, values: BTreeMap<String, String>) {
        self.namespaces.insert(namespace.to_owned(), values);
    }

    /// One variable.
    pub fn get(&self, namespace: &str, name: &str) -> Option<&str> {
        self.namespaces
            .get(namespace)?
            .get(name)
            .map(String::as_str)
    }

    /// Every namespace with its variables, in name order.
    pub fn namespaces(&self) -> impl Iterator<Item = (&str, &BTreeMap<String, String>)> {
        self.namespaces.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// `text` with every `#{namespace.name}` replaced by its value; an unknown variable is
    /// an error naming it (CodePipeline fails the action the same way).
    pub fn resolve(&self, text: &str) -> Result<String, String> {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find("#{") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else {
                out.push_str(&rest[start..]);
                return Ok(out);
            };
            let reference = &after[..end];
            let value = reference
                .split_once('.')
                .and_then(|(namespace, name)| self.get(namespace, name))
                .ok_or_else(|| {
                    format!("the variable #{{{reference}}} is not published by any earlier action")
                })?;
            out.push_str(value);
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn variables() -> Variables {
        let mut v = Variables::default();
        v.publish(
            "Prod-Api",
            [("ApiUrl".to_owned(), "https://x/prod/".to_owned())].into(),
        );
        v
    }

    #[test]
    fn resolves_every_reference() {
        let v = variables();
        assert_eq!(
            v.resolve(r##"[{"name":"ApiUrl","value":"#{Prod-Api.ApiUrl}"}] #{Prod-Api.ApiUrl}"##)
                .unwrap(),
            r##"[{"name":"ApiUrl","value":"https://x/prod/"}] https://x/prod/"##
        );
        assert_eq!(v.resolve("no variables").unwrap(), "no variables");
        assert_eq!(v.resolve("unclosed #{x").unwrap(), "unclosed #{x");
    }

    #[test]
    fn an_unknown_variable_is_named() {
        let error = variables().resolve("#{Prod-Api.Missing}").unwrap_err();
        assert!(error.contains("#{Prod-Api.Missing}"), "{error}");
        assert!(variables().resolve("#{NoDot}").is_err());
    }
}
