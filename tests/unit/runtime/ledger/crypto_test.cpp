#include "runtime/ledger/crypto.hpp"
#include "runtime/ledger/transaction.hpp"
#include "runtime/ledger/wallet.hpp"
#include "tests/unit/support/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

using namespace atn::ledger;

namespace {
private_key key_of(const std::string& hex) {
  private_key k;
  from_hex(hex, k.data(), k.size(), "key");
  return k;
}
}  // namespace

TEST_CASE("keccak256 matches Ethereum's vectors", "[ledger][crypto]") {
  CHECK(to_hex(keccak256("")) == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
  CHECK(to_hex(keccak256("abc")) == "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45");
}

TEST_CASE("addresses of known keys, EIP-55 checksums", "[ledger][crypto]") {
  CHECK(address_of(key_of("0000000000000000000000000000000000000000000000000000000000000001")).to_string() ==
        "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf");
  CHECK(address_of(key_of("0000000000000000000000000000000000000000000000000000000000000002")).to_string() ==
        "0x2B5AD5c4795c026514f8317c7a215E218DcCD6cF");
  // EIP-55's own examples.
  for (const char* a : {"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
                        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB", "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb"})
    CHECK(address::parse(a).to_string() == a);
  CHECK(address::parse("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed").to_string() ==
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed");
  CHECK_THROWS_AS(address::parse("0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"), std::invalid_argument);  // bad checksum
  CHECK_THROWS_AS(address::parse("0x5aaeb6053f3e94c9b9a09f33669435e7ef1bea"), std::invalid_argument);
  CHECK_THROWS_AS(address_of(private_key{}), crypto_error);  // key 0
}

TEST_CASE("signatures recover their signer and nothing else", "[ledger][crypto]") {
  const wallet w = wallet::generate();
  const hash256 d = keccak256("message");
  signature s = w.sign(d);
  CHECK(recover_signer(d, s) == w.addr());
  CHECK(recover_signer(keccak256("other"), s) != w.addr());
  s[10] ^= 1;
  bool differs = true;
  try {
    differs = recover_signer(d, s) != w.addr();
  } catch (const crypto_error&) {}
  CHECK(differs);
}

TEST_CASE("a wallet file is owner-only, never overwritten, and loads back", "[ledger][wallet]") {
  atn::test::temp_dir dir("atn_wallet");
  const auto path = wallet::default_path(dir.path / "state");
  const wallet w = wallet::generate();
  w.save(path);
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(wallet::load(path).addr() == w.addr());
  CHECK_THROWS_WITH(wallet::generate().save(path), Catch::Contains("exists already"));
  CHECK(wallet::load(path).addr() == w.addr());
  ::chmod(path.c_str(), 0644);
  CHECK_THROWS_WITH(wallet::load(path), Catch::Contains("chmod 600"));
  CHECK_THROWS_WITH(wallet::load(dir.path / "none.key"), Catch::Contains("atn-node wallet new"));
}

TEST_CASE("signed transactions bind sender, nonce, fields and chain", "[ledger][transaction]") {
  const wallet w = wallet::generate();
  const chain_id chain = keccak256("chain-a");
  const auto stx = sign_transaction(w, chain, 7, tx::stake(role::solver, amount::atn(50)));
  CHECK(recover_signer(signing_hash(chain, stx.tx), stx.sig) == w.addr());
  const auto back = decode_signed(chain, encode_signed(chain, stx));
  CHECK(back.tx.from == w.addr());
  CHECK(back.tx.nonce == 7);
  CHECK(back.tx.kind == "stake");
  CHECK(back.tx.fields == stx.tx.fields);
  CHECK(back.sig == stx.sig);
  CHECK_THROWS_AS(decode_signed(keccak256("chain-b"), encode_signed(chain, stx)), std::invalid_argument);
  // Changing any part changes what was signed.
  auto t = stx.tx;
  t.nonce = 8;
  CHECK(recover_signer(signing_hash(chain, t), stx.sig) != w.addr());
  t = stx.tx;
  t.fields["amount"] = amount::atn(51).units_string();
  CHECK(recover_signer(signing_hash(chain, t), stx.sig) != w.addr());
  CHECK(recover_signer(signing_hash(keccak256("chain-b"), stx.tx), stx.sig) != w.addr());
}

TEST_CASE("a round result round-trips through close_round's fields", "[ledger][transaction]") {
  round_result r;
  r.jurisdiction = "vision";
  r.round = 12;
  r.solvers = {{wallet::generate().addr(), uint256(600), 40}, {wallet::generate().addr(), uint256(150), 0}};
  r.coordinators = {{wallet::generate().addr(), uint256(250), 0}};
  const auto back = parse_round_result(tx::close_round(r).fields);
  CHECK(back.jurisdiction == "vision");
  CHECK(back.round == 12);
  REQUIRE(back.solvers.size() == 2);
  CHECK(back.solvers[0].who == r.solvers[0].who);
  CHECK(back.solvers[0].weight == 600);
  CHECK(back.solvers[0].units == 40);
  REQUIRE(back.coordinators.size() == 1);
  CHECK(back.coordinators[0].weight == 250);
  CHECK(parse_role("inference-provider") == role::inference_provider);
  CHECK(!parse_role("miner"));
}
