// The jsii construct API. The runtime client lives behind `cdk-tfstate-backend/client`.
export {};
