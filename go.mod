module github.com/capsulecrm-go/capsule

go 1.24
