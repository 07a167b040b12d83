//! placeholder, replaced by the image reference parser
