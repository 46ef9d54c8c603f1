#!/usr/bin/env node
/*
 * Prints a secret-handshake known-answer vector for tests/unit/test-shs.c,
 * computed by shs1-crypto, the reference code of the shs1-test suite.
 * Run after scripts/install-deps:
 *   NODE_PATH=tests/shs1/node/node_modules node tests/shs1/gen-vectors.js
 */
const sodium = require('chloride');
const c = require('shs1-crypto/client');
const s = require('shs1-crypto/server');

const seed = b => Buffer.alloc(32, b);
const cl = sodium.crypto_sign_seed_keypair(seed(1));
const ce = sodium.crypto_sign_seed_keypair(seed(2));
const sl = sodium.crypto_sign_seed_keypair(seed(3));
const se = sodium.crypto_sign_seed_keypair(seed(4));
/* The main Scuttlebutt network key, as a well-known value. */
const netkey = Buffer.from(
  'd4a1cb88a66f02f8db635ce26441cc5dac1b08420ceaac230839b755845a9ffb', 'hex');

const cs = {
  network_identifier: netkey,
  client_longterm_sk: cl.secretKey,
  client_longterm_pk: cl.publicKey,
  client_ephemeral_sk: sodium.crypto_sign_ed25519_sk_to_curve25519(ce.secretKey),
  client_ephemeral_pk: sodium.crypto_sign_ed25519_pk_to_curve25519(ce.publicKey),
  server_longterm_pk: sl.publicKey
};
const ss = {
  network_identifier: netkey,
  server_longterm_sk: sl.secretKey,
  server_longterm_pk: sl.publicKey,
  server_ephemeral_sk: sodium.crypto_sign_ed25519_sk_to_curve25519(se.secretKey),
  server_ephemeral_pk: sodium.crypto_sign_ed25519_pk_to_curve25519(se.publicKey)
};

const msg1 = c.createMsg1(cs);
if (!s.verifyMsg1(ss, msg1)) throw new Error('msg1');
const msg2 = s.createMsg2(ss);
if (!c.verifyMsg2(cs, msg2)) throw new Error('msg2');
const msg3 = c.createMsg3(cs);
if (!s.verifyMsg3(ss, msg3)) throw new Error('msg3');
const msg4 = s.createMsg4(ss);
if (!c.verifyMsg4(cs, msg4)) throw new Error('msg4');
const co = c.clientOutcome(cs);

const out = {
  netkey,
  client_seed: seed(1),
  client_eph_sk: cs.client_ephemeral_sk,
  server_seed: seed(3),
  server_eph_sk: ss.server_ephemeral_sk,
  msg1, msg2, msg3, msg4,
  client_enc_key: co.encryption_key,
  client_enc_nonce: co.encryption_nonce,
  client_dec_key: co.decryption_key,
  client_dec_nonce: co.decryption_nonce
};
for (const k of Object.keys(out))
  console.log(`${k} ${out[k].toString('hex')}`);
