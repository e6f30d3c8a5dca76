package capsule

// openapi.json at the repository root is the OpenAPI 3.1 description of the
// API this package calls, generated from the package's own doc comments and
// model types; spec_test.go fails when it is stale.
//go:generate go run ./internal/cmd/genspec -o openapi.json
