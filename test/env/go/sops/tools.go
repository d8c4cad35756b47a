//go:build tools

// Package tools pins the sops and age-keygen commands that the test environment builds: the
// reference encryptor for the renderer's SOPS decryption tests.
package tools

import (
	_ "filippo.io/age/cmd/age-keygen"
	_ "github.com/getsops/sops/v3/cmd/sops"
)
