export default async function globalSetup(): Promise<void> {
  // Replaced by the local servers launcher (Ceph RGW + DynamoDB Local).
}
