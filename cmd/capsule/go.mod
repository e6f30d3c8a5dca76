module github.com/capsulecrm-go/capsule/cmd/capsule

go 1.24.0

require (
	github.com/capsulecrm-go/capsule v0.0.0
	github.com/stretchr/testify v1.12.1
)

require (
	github.com/google/go-querystring v1.2.0 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	golang.org/x/oauth2 v0.35.0 // indirect
)

// Until the SDK is tagged, the tool builds against the SDK in this repository.
replace github.com/capsulecrm-go/capsule => ../..
