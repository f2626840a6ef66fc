package kmsapi

//go:generate go run ./internal/gen
