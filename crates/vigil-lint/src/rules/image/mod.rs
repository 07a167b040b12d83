//! Image rules: how containers name their images.

pub(crate) mod invalid_reference;
pub(crate) mod latest_tag;
pub(crate) mod no_digest;
pub(crate) mod untrusted_registry;

use vigil_core::reference::ImageReference;
use vigil_k8s::{Container, Node, PodTemplate};

use crate::rule::Site;

/// The container's image, parsed, with the site of its value; `None` when the image is unset
/// or empty (which the API server rejects on its own) or does not parse.
pub(crate) fn image_of<'a>(pod: &PodTemplate<'a>, c: &Container<'a>) -> Option<(ImageReference, &'a str, Site<'a>)> {
    let (text, site) = raw_image(pod, c)?;
    ImageReference::parse(text).ok().map(|r| (r, text, site))
}

/// The container's image text and the site of its value, when set and not empty.
pub(crate) fn raw_image<'a>(pod: &PodTemplate<'a>, c: &Container<'a>) -> Option<(&'a str, Site<'a>)> {
    let node: &Node = c.node.get("image")?;
    let text = node.as_str().filter(|t| !t.trim().is_empty())?;
    Some((text, Site::new(node, pod.spec_field(&format!("{}.image", c.path())))))
}
