/**
 * Known-answer vectors for OpenTofu state encryption, derived OUTSIDE this project's code:
 *
 * - PBKDF2_TOFU_*: OpenTofu's own test, internal/encryption/keyprovider/pbkdf2/example_decrypt_test.go
 *   `Example_decrypt` (its `// Output:` line is the key).
 * - GCM_TC13 / GCM_TC14: McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)", test cases 13
 *   and 14 (AES-256, zero key, zero 96-bit IV).
 * - Everything else was computed with Python 3 (`hashlib.pbkdf2_hmac`, `cryptography`'s `AESGCM`,
 *   `base64.b64encode`) following the Go sources step by step, and the envelope text was assembled
 *   by hand in Go's `json.Marshal` form:
 *     key  = pbkdf2.Key(passphrase, salt, iterations, keyLength, sha512.New)   (pbkdf2/provider.go Provide)
 *     data = nonce ‖ AESGCM(key).encrypt(nonce, state, aad)                     (aesgcm/aesgcm.go Encrypt)
 *     meta = base64(json.Marshal(Metadata{salt, iterations, hash_function, key_length}))  (pbkdf2/metadata.go)
 *     out  = json.Marshal(struct{statedata; basedata})                          (encryption/state.go EncryptState)
 */

export const PBKDF2_TOFU_PASSPHRASE = 'correct-horse-battery-staple';
export const PBKDF2_TOFU_SALT = Buffer.from([
  0x10, 0xec, 0x3d, 0x3f, 0xe0, 0x2a, 0xd2, 0xbe, 0xe6, 0xf1, 0xf5, 0x54, 0xf, 0x8e, 0x6b, 0xbe,
  0x3b, 0x8b, 0x29, 0x44, 0x5c, 0xf5, 0x2, 0xd2, 0x7d, 0x47, 0xad, 0x55, 0x4a, 0xa8, 0x97, 0x1f,
]);
/** sha512, 600000 iterations, 32 bytes (OpenTofu's defaults). */
export const PBKDF2_TOFU_KEY_HEX = '225872367198760137e0a18580433447bbf578fbe2b87ff36aef3c175fe5709c';

/** Python: hashlib.pbkdf2_hmac('sha256', 'pässphrase-über-16'.encode(), bytes(range(16)), 200000, 16). */
export const PBKDF2_SHA256_KEY_HEX = 'e3f709b94425d6dfa830d1eb21ff1963';

export const GCM_TC13_TAG_HEX = '530f8afbc74536b9a963b4f1c4cb738b';
export const GCM_TC14_CIPHERTEXT_TAG_HEX = 'cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919';

/** The plain state of the envelope vectors (as OpenTofu would serialize it, trailing newline included). */
export const STATE = Buffer.from('{\n  "version": 4,\n  "terraform_version": "1.8.0",\n  "serial": 7,\n  "lineage": "3f1c2a9e-0000-4000-8000-000000000001",\n  "outputs": {},\n  "resources": [],\n  "check_results": null\n}\n');
export const NONCE = Buffer.from('000102030405060708090a0b', 'hex');

/** pbkdf2 "mykey" with PBKDF2_TOFU_* and method aes_gcm without AAD; NONCE as the nonce. */
export const PBKDF2_ENVELOPE = '{"serial":7,"lineage":"3f1c2a9e-0000-4000-8000-000000000001","meta":{"key_provider.pbkdf2.mykey":"eyJzYWx0IjoiRU93OVArQXEwcjdtOGZWVUQ0NXJ2anVMS1VSYzlRTFNmVWV0VlVxb2x4OD0iLCJpdGVyYXRpb25zIjo2MDAwMDAsImhhc2hfZnVuY3Rpb24iOiJzaGE1MTIiLCJrZXlfbGVuZ3RoIjozMn0="},"encrypted_data":"AAECAwQFBgcICQoLdLN2nvA+L+wwp2nbIYv4MSr9DQ/CsQxMioeU1EKmIlVLuHde1jMFXQqixdNXkmqtJucFK5rrbvMU4TAOj305URQMEGEwDW+Ll0b9QVyr/xWaa6J1hmtr/TCclBbIPXweo0oRkH0NUkiHh84Wf1qJn4WxC64j1ktPrTsXItBhE2EwgPyW6oEa6bzyS6y0QeLJZPRVQh0W9/HYNMqfMwjA9PPPEy3aezVLc6QloBtC92wB6Pgfkgkd4aTj7cufPYkuRFPbBw==","encryption_version":"v0"}';

/** The same key, nonce and state sealed with aad = [1, 2, 3]. */
export const PBKDF2_SEALED_AAD_B64 = 'AAECAwQFBgcICQoLdLN2nvA+L+wwp2nbIYv4MSr9DQ/CsQxMioeU1EKmIlVLuHde1jMFXQqixdNXkmqtJucFK5rrbvMU4TAOj305URQMEGEwDW+Ll0b9QVyr/xWaa6J1hmtr/TCclBbIPXweo0oRkH0NUkiHh84Wf1qJn4WxC64j1ktPrTsXItBhE2EwgPyW6oEa6bzyS6y0QeLJZPRVQh0W9/HYNMqfMwjA9PPPEy3aezVLc6QloBtC92wB6Pgf6Zx9MeZ93x3Z0rontQygcA==';

/** aws_kms "k": data key bytes(range(32)), wrapped blob, context {a: "1", "b.c": "<2>"} (Go escapes < and >). */
export const KMS_DATA_KEY = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
export const KMS_BLOB = Buffer.from('wrapped-data-key-from-kms');
export const KMS_META_JSON = '{"ciphertext_blob":"d3JhcHBlZC1kYXRhLWtleS1mcm9tLWttcw==","encryption_context":{"a":"1","b.c":"\\u003c2\\u003e"}}';
export const KMS_ENVELOPE = '{"serial":7,"lineage":"3f1c2a9e-0000-4000-8000-000000000001","meta":{"key_provider.aws_kms.k":"eyJjaXBoZXJ0ZXh0X2Jsb2IiOiJkM0poY0hCbFpDMWtZWFJoTFd0bGVTMW1jbTl0TFd0dGN3PT0iLCJlbmNyeXB0aW9uX2NvbnRleHQiOnsiYSI6IjEiLCJiLmMiOiJcdTAwM2MyXHUwMDNlIn19"},"encrypted_data":"AAECAwQFBgcICQoLPAj2O+eTp2n+KPjlk9NYWa/cpxTSDzoOSgaD6m8EX8RkYt2VwK8wolSGTsOwqRgawlNArXilxqhW9kY7IsPCwvoc5li/uEgEfTPPTNWvLNteu6pQF1o2Rc3NrvxVxIm9+9Vh1pRx5SquLA6CeEURT4pXU4nPzwW6b5AiufKTGn2ZaCC9yfvBcyjDOsROtTmwVZGQFw8xyBegVchX2LGBi/D8wWeMjLkS0xD/wP/u89fxxLcoNFcDsbchAPSiz+enyV4NfA==","encryption_version":"v0"}';
