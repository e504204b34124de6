//go:build tools

// Package tools pins the real Propeller manager as a peer for the harness's tests. It holds no
// code of its own: `go build github.com/absmach/propeller/cmd/manager` in this folder builds the
// released manager at the version go.mod names. (A plain `go install …@v0.5.0` fails on the
// module proxy's missing version list, so the pin lives in a module of its own.)
package tools

import _ "github.com/absmach/propeller/cmd/manager"
