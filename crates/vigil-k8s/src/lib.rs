//! vigil-k8s
