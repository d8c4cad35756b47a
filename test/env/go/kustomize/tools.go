//go:build tools

// Package tools pins the kustomize command that the test environment builds.
package tools

import _ "sigs.k8s.io/kustomize/kustomize/v5"
