//! Maven `pom.xml`.

use std::collections::{HashMap, HashSet};

use super::decode;
use crate::cataloger::file_name;
use crate::purl::Purl;
use crate::{CatalogError, CatalogInput, Cataloger, Package, ecosystem};

/// How many properties deep `${…}` references are followed (`a` → `${b}` → `${c}` …).
const MAX_INTERPOLATION_DEPTH: usize = 16;

/// Longest interpolated value; longer ones count as unresolved.
const MAX_VALUE_BYTES: usize = 4096;

/// Lists a POM's `<dependencies>` and `<dependencyManagement>` entries without fetching
/// parents or BOMs (as osv-scanner does): a dependency overrides a managed entry of the same
/// `groupId:artifactId`, and takes its version from it when it has none. `${property}`
/// references are resolved from `<properties>` and the project's own coordinates; a version
/// requirement such as `[1.2,2.0)` reports its lower bound. A version that cannot be resolved
/// (a missing property, or a parent-managed dependency) is left empty.
pub(crate) struct MavenPom;

impl Cataloger for MavenPom {
    fn id(&self) -> &'static str {
        "maven-pom"
    }

    fn matches(&self, path: &str) -> bool {
        file_name(path) == "pom.xml"
    }

    fn parse(&self, input: &CatalogInput<'_>) -> Result<Vec<Package>, CatalogError> {
        let text = decode::text(input)?;
        let doc = decode::xml(input.path, text)?;
        let project = doc.root_element();
        if project.tag_name().name() != "project" {
            let (line, column) = decode::xml_pos(&doc, project);
            return Err(decode::error_at(
                input.path,
                line,
                column,
                format!("root element is `{}`, expected `project`", project.tag_name().name()),
            ));
        }
        let mut resolver = Resolver::new(project);
        let managed: Vec<Dependency> = decode::child(project, "dependencyManagement")
            .and_then(|m| decode::child(m, "dependencies"))
            .map(|d| decode::children(d, "dependency").map(Dependency::read).collect())
            .unwrap_or_default();
        let direct: Vec<Dependency> = decode::child(project, "dependencies")
            .map(|d| decode::children(d, "dependency").map(Dependency::read).collect())
            .unwrap_or_default();

        // Coordinates resolved once; entries without both are skipped.
        let mut coordinates = |deps: &[Dependency]| -> Vec<(String, String, usize)> {
            deps.iter()
                .enumerate()
                .filter_map(|(i, d)| {
                    let group = resolver.resolve(&d.group).filter(|g| !g.is_empty())?;
                    let artifact = resolver.resolve(&d.artifact).filter(|a| !a.is_empty())?;
                    Some((group, artifact, i))
                })
                .collect()
        };
        let managed_coordinates = coordinates(&managed);
        let direct_coordinates = coordinates(&direct);
        let managed_index: HashMap<(&str, &str), &Dependency> = managed_coordinates
            .iter()
            .filter_map(|(g, a, i)| Some(((g.as_str(), a.as_str()), managed.get(*i)?)))
            .collect();

        let mut found: Vec<Package> = Vec::new();
        let mut by_name: HashMap<String, usize> = HashMap::new();
        // Direct dependencies first; a managed entry only adds what they do not declare.
        let entries = direct_coordinates
            .iter()
            .filter_map(|(g, a, i)| {
                Some((g, a, direct.get(*i)?, managed_index.get(&(g.as_str(), a.as_str())).copied(), true))
            })
            .chain(managed_coordinates.iter().filter_map(|(g, a, i)| Some((g, a, managed.get(*i)?, None, false))));
        for (group, artifact, dependency, managed_entry, is_direct) in entries {
            let name = format!("{group}:{artifact}");
            if !is_direct && by_name.contains_key(&name) {
                continue;
            }
            let raw_version = match managed_entry {
                Some(m) if dependency.version.is_empty() => &m.version,
                _ => &dependency.version,
            };
            let version = resolver.resolve(raw_version).map(|v| lower_bound(&v)).unwrap_or_default();
            let scope = match managed_entry {
                Some(m) if dependency.scope.is_empty() => &m.scope,
                _ => &dependency.scope,
            };
            let mut purl = Purl::new("maven", artifact).namespace(group).version(&version);
            purl = purl.qualifier("classifier", &dependency.classifier);
            if dependency.kind != "jar" {
                purl = purl.qualifier("type", &dependency.kind);
            }
            let mut package = Package::new(&name, &version, ecosystem::MAVEN, purl.to_string(), input.path);
            // Compile is Maven's default scope; osv-scanner records the others as groups.
            if !scope.is_empty() && scope != "compile" {
                package.dep_groups.push(scope.clone());
            }
            match by_name.get(&name).and_then(|&i| found.get_mut(i)) {
                Some(existing) => *existing = package,
                None => {
                    by_name.insert(name, found.len());
                    found.push(package);
                }
            }
        }
        Ok(found)
    }
}

/// One `<dependency>`, its fields as written (trimmed).
struct Dependency {
    group: String,
    artifact: String,
    version: String,
    scope: String,
    classifier: String,
    kind: String,
}

impl Dependency {
    fn read(node: roxmltree::Node<'_, '_>) -> Self {
        let field = |name: &str| decode::child(node, name).map(decode::element_text).unwrap_or_default();
        Dependency {
            group: field("groupId"),
            artifact: field("artifactId"),
            version: field("version"),
            scope: field("scope"),
            classifier: field("classifier"),
            kind: field("type"),
        }
    }
}

/// Resolves `${name}` references, each property once (cached), stopping at cycles, at
/// [`MAX_INTERPOLATION_DEPTH`] and at [`MAX_VALUE_BYTES`].
struct Resolver {
    properties: HashMap<String, String>,
    cache: HashMap<String, Option<String>>,
    active: HashSet<String>,
}

impl Resolver {
    fn new(project: roxmltree::Node<'_, '_>) -> Self {
        let mut properties = HashMap::new();
        if let Some(props) = decode::child(project, "properties") {
            for prop in props.children().filter(roxmltree::Node::is_element) {
                properties.insert(prop.tag_name().name().to_string(), decode::element_text(prop));
            }
        }
        // The model's own coordinates (a child inherits groupId and version from its parent).
        let own = |name: &str| decode::child(project, name).map(decode::element_text).filter(|v| !v.is_empty());
        let parent = decode::child(project, "parent");
        let inherited = |name: &str| parent.and_then(|p| decode::child(p, name)).map(decode::element_text);
        for field in ["groupId", "artifactId", "version"] {
            if let Some(value) = inherited(field) {
                properties.insert(format!("project.parent.{field}"), value);
            }
            let value = match field {
                "artifactId" => own(field),
                _ => own(field).or_else(|| inherited(field)),
            };
            if let Some(value) = value {
                properties.insert(format!("project.{field}"), value);
            }
        }
        Resolver { properties, cache: HashMap::new(), active: HashSet::new() }
    }

    /// `raw` with every reference replaced; `None` when one cannot be resolved.
    fn resolve(&mut self, raw: &str) -> Option<String> {
        self.interpolate(raw, 0)
    }

    fn interpolate(&mut self, raw: &str, depth: usize) -> Option<String> {
        let mut out = String::new();
        let mut rest = raw;
        while let Some((before, after)) = rest.split_once("${") {
            out.push_str(before);
            let (key, tail) = after.split_once('}')?;
            out.push_str(&self.property(key, depth + 1)?);
            rest = tail;
            if out.len() > MAX_VALUE_BYTES {
                return None;
            }
        }
        out.push_str(rest);
        (out.len() <= MAX_VALUE_BYTES).then_some(out)
    }

    fn property(&mut self, key: &str, depth: usize) -> Option<String> {
        // `pom.*` and `project.*` are the same (Maven 2 names).
        let key = match key.strip_prefix("pom.") {
            Some(rest) => format!("project.{rest}"),
            None => key.to_string(),
        };
        if let Some(value) = self.cache.get(&key) {
            return value.clone();
        }
        if depth > MAX_INTERPOLATION_DEPTH || self.active.contains(&key) {
            return None;
        }
        let raw = self.properties.get(&key)?.clone();
        self.active.insert(key.clone());
        let value = self.interpolate(&raw, depth);
        self.active.remove(&key);
        self.cache.insert(key, value.clone());
        value
    }
}

/// The version a requirement names: a soft requirement (`1.2`) as is, a range (`[1.2,2.0)`,
/// `[1.2]`) by its lower bound, as osv-scanner does. Empty when there is no lower bound.
fn lower_bound(requirement: &str) -> String {
    let v = requirement.strip_prefix(['[', '(']).unwrap_or(requirement);
    v.split([',', ')', ']']).next().unwrap_or_default().trim().to_string()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<Package>, CatalogError> {
        MavenPom.parse(&CatalogInput::new("pom.xml", text.as_bytes()))
    }

    fn summary(found: &[Package]) -> Vec<(&str, &str, &str)> {
        found.iter().map(|p| (p.name.as_str(), p.version.as_str(), p.purl.as_str())).collect()
    }

    #[test]
    fn dependencies_with_scope() {
        let found = parse(
            r#"<project xmlns="http://maven.apache.org/POM/4.0.0"><dependencies>
              <dependency><groupId>abc</groupId><artifactId>xyz</artifactId><version> 1.2.3 </version><scope>compile</scope></dependency>
              <dependency><groupId>junit</groupId><artifactId>junit</artifactId><version>4.12</version><scope>test</scope></dependency>
            </dependencies></project>"#,
        )
        .unwrap();
        assert_eq!(
            summary(&found),
            [("abc:xyz", "1.2.3", "pkg:maven/abc/xyz@1.2.3"), ("junit:junit", "4.12", "pkg:maven/junit/junit@4.12")]
        );
        assert!(found[0].dep_groups.is_empty());
        assert_eq!(found[1].dep_groups, ["test"]);
        assert_eq!(found[1].ecosystem, "Maven");
    }

    #[test]
    fn interpolation_and_ranges() {
        let found = parse(
            r#"<project>
              <groupId>io.library</groupId><version>1.0-SNAPSHOT</version>
              <properties>
                <a>1.0.0</a><my.b>${a}-b</my.b><range>[9.4.35.v20201120,9.5)</range>
                <loop1>${loop2}</loop1><loop2>${loop1}</loop2>
              </properties>
              <dependencies>
                <dependency><groupId>org.mine</groupId><artifactId>a</artifactId><version>${a}</version></dependency>
                <dependency><groupId>org.mine</groupId><artifactId>b</artifactId><version>${my.b}</version></dependency>
                <dependency><groupId>org.mine</groupId><artifactId>r</artifactId><version>${range}</version></dependency>
                <dependency><groupId>${project.groupId}</groupId><artifactId>self</artifactId><version>${project.version}</version></dependency>
                <dependency><groupId>org.mine</groupId><artifactId>missing</artifactId><version>${nope}</version></dependency>
                <dependency><groupId>org.mine</groupId><artifactId>loop</artifactId><version>${loop1}</version></dependency>
                <dependency><groupId>org.mine</groupId><artifactId>upper</artifactId><version>(,2.0]</version></dependency>
              </dependencies></project>"#,
        )
        .unwrap();
        let versions: Vec<_> = found.iter().map(|p| (p.name.as_str(), p.version.as_str())).collect();
        assert_eq!(
            versions,
            [
                ("org.mine:a", "1.0.0"),
                ("org.mine:b", "1.0.0-b"),
                ("org.mine:r", "9.4.35.v20201120"),
                ("io.library:self", "1.0-SNAPSHOT"),
                ("org.mine:missing", ""),
                ("org.mine:loop", ""),
                ("org.mine:upper", ""),
            ]
        );
        assert_eq!(found[4].purl, "pkg:maven/org.mine/missing");
    }

    #[test]
    fn parent_coordinates_are_inherited() {
        let found = parse(
            "<project><parent><groupId>g</groupId><artifactId>p</artifactId><version>7</version></parent>\
             <dependencies><dependency><groupId>${project.groupId}</groupId><artifactId>x</artifactId>\
             <version>${project.parent.version}</version></dependency></dependencies></project>",
        )
        .unwrap();
        assert_eq!(summary(&found), [("g:x", "7", "pkg:maven/g/x@7")]);
    }

    #[test]
    fn dependencies_override_management_and_inherit_its_version() {
        let found = parse(
            r#"<project>
              <dependencies>
                <dependency><groupId>io.netty</groupId><artifactId>netty-all</artifactId><version>4.1.9</version></dependency>
                <dependency><groupId>org.slf4j</groupId><artifactId>slf4j</artifactId></dependency>
              </dependencies>
              <dependencyManagement><dependencies>
                <dependency><groupId>io.netty</groupId><artifactId>netty-all</artifactId><version>4.1.42.Final</version></dependency>
                <dependency><groupId>org.slf4j</groupId><artifactId>slf4j</artifactId><version>1.7.25</version><scope>runtime</scope></dependency>
                <dependency><groupId>com.google.code.findbugs</groupId><artifactId>jsr305</artifactId><version>3.0.2</version></dependency>
                <dependency><groupId>org.bom</groupId><artifactId>bom</artifactId><version>1</version><type>pom</type><scope>import</scope></dependency>
              </dependencies></dependencyManagement>
            </project>"#,
        )
        .unwrap();
        assert_eq!(
            summary(&found),
            [
                ("io.netty:netty-all", "4.1.9", "pkg:maven/io.netty/netty-all@4.1.9"),
                ("org.slf4j:slf4j", "1.7.25", "pkg:maven/org.slf4j/slf4j@1.7.25"),
                ("com.google.code.findbugs:jsr305", "3.0.2", "pkg:maven/com.google.code.findbugs/jsr305@3.0.2"),
                ("org.bom:bom", "1", "pkg:maven/org.bom/bom@1?type=pom"),
            ]
        );
        assert_eq!(found[1].dep_groups, ["runtime"]);
        assert_eq!(found[3].dep_groups, ["import"]);
    }

    #[test]
    fn incomplete_dependencies_are_skipped() {
        let found = parse(
            "<project><dependencies><dependency><artifactId>x</artifactId></dependency>\
             <dependency><groupId>g</groupId></dependency></dependencies></project>",
        )
        .unwrap();
        assert!(found.is_empty());
    }

    #[test]
    fn exponential_properties_stay_bounded() {
        let mut props = String::from("<e></e>");
        let mut previous = "e".to_string();
        for i in 0..40 {
            let refs = format!("${{{previous}}}").repeat(50);
            props.push_str(&format!("<p{i}>{refs}</p{i}>"));
            previous = format!("p{i}");
        }
        let pom = format!(
            "<project><properties>{props}</properties><dependencies><dependency><groupId>g</groupId>\
             <artifactId>a</artifactId><version>${{{previous}}}</version></dependency></dependencies></project>"
        );
        let found = parse(&pom).unwrap();
        assert_eq!(found.len(), 1);
    }

    #[test]
    fn errors_name_the_file_and_position() {
        let e = parse("this is not a pom.xml file!").unwrap_err();
        assert!(e.to_string().starts_with("pom.xml: 1:1: invalid XML"), "{e}");
        let e = parse("<project>\n  <properties>\n    <${Id}.version>x</${Id}.version>").unwrap_err();
        assert_eq!(e.to_string(), "pom.xml: 3:6: invalid XML, invalid name token");
        let e = parse("<?xml version=\"1.0\"?>\n<settings/>").unwrap_err();
        assert_eq!(e.to_string(), "pom.xml: 2:1: root element is `settings`, expected `project`");
    }

    #[test]
    fn matches_only_pom_xml() {
        assert!(MavenPom.matches("a/pom.xml"));
        assert!(!MavenPom.matches("a/pom.xml.bak"));
    }
}
