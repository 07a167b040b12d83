//! vigil's built-in rules (`rules/vigil-secrets.toml`): they load, the ids are unique and carry
//! the gitleaks id, every pattern rule has lower-case keywords (the prefilter), and every rule has
//! a true positive that it finds (and no other rule does, but for the overlaps listed) and a false
//! positive that no rule finds, in the table below. The table's values are obviously fake, in each
//! provider's format, and each true positive is written in two pieces joined at run time so that
//! this file holds no whole credential-shaped string. Redacted output never shows a table secret
//! in full. Against gitleaks' own data: every gitleaks rule id has a vigil rule but the 17 listed
//! (and documented in docs/secrets-rules.md), and gitleaks' literal rule vectors are found / not
//! found by the vigil rule of the same id. With `go` on PATH, every pattern of the file compiles
//! in Go's RE2 too and finds the same secret there.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::io::Write as _;
use std::process::{Command, Stdio};

use vigil_secrets::engine::{Detector, Options};
use vigil_secrets::finding::Finding;
use vigil_secrets::fragment::{Fragment, Origin};
use vigil_secrets::report::{self, Reveal};

/// The number of built-in rules.
const RULES: usize = 218;

/// Rules without a pattern (they report a file by its path alone) and so without keywords.
const PATH_ONLY: &[&str] = &["secret/pkcs12-file"];

/// Rules whose true positive another rule also finds, and that rule: the credential has two
/// readings (a service-account JSON holds a private key; an Artifactory `AKCp` key next to
/// `artifactory` is a 73-character JFrog key; a Secret manifest's `password:` is an assignment; a
/// Sidekiq gem URL carries user:password).
const OVERLAPS: &[(&str, &str)] = &[
    ("gcp-service-account", "private-key"),
    ("artifactory-api-key", "jfrog-api-key"),
    ("kubernetes-secret-yaml", "generic-api-key"),
    ("sidekiq-sensitive-url", "basic-auth-url"),
];

/// gitleaks' default rule ids (of its 222) that vigil has no rule for, each for a reason given in
/// docs/secrets-rules.md: identifiers rather than secrets, public keys, base64-wrapped JWTs.
const NOT_IN_VIGIL: &[&str] = &[
    "adobe-client-id",
    "asana-client-id",
    "bitbucket-client-id",
    "bittrex-access-key",
    "confluent-access-token",
    "discord-client-id",
    "flutterwave-public-key",
    "jwt-base64",
    "kucoin-access-token",
    "linkedin-client-id",
    "looker-client-id",
    "mailgun-pub-key",
    "messagebird-client-id",
    "new-relic-user-api-id",
    "plaid-client-id",
    "sendbird-access-id",
    "sumologic-access-id",
];

/// vigil's rules that gitleaks' default configuration has no rule for (their toml id is vigil's
/// own name).
const NOT_IN_GITLEAKS: &[&str] = &[
    "aws-secret-access-key",
    "azure-storage-account-key",
    "basic-auth-url",
    "bitbucket-app-password",
    "discord-webhook-url",
    "dockerhub-oat",
    "dockerhub-pat",
    "gcp-service-account",
    "nuget-api-key",
    "quay-robot-token",
    "square-secret",
    "stripe-webhook-secret",
    "twilio-auth-token",
];

/// One rule's vectors.
struct V {
    /// The toml id.
    rule: &'static str,
    /// The path the true positive is scanned under (default `config/settings.txt`).
    path: Option<&'static str>,
    /// The true positive, in pieces (joined before scanning).
    tp: &'static [&'static str],
    /// The false positive: (path, text).
    fp: Option<(&'static str, &'static str)>,
}

#[rustfmt::skip]
const VECTORS: &[V] = &[
    V { rule: "aws-access-token", path: None, tp: &["AWS_ACCESS_KEY_ID=A", "KIAQYLPMN5HHHFPZAM2"], fp: Some(("config/settings.txt", "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE")) },
    V { rule: "aws-secret-access-key", path: None, tp: &["aws_secret_secret = \"VnBQeeBm8EqTTJIqnv+0", "c4l2OxRw8WsZj88Z2qcK\""], fp: Some(("config/settings.txt", "aws_secret_secret = \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"")) },
    V { rule: "aws-amazon-bedrock-api-key-long-lived", path: None, tp: &["key=ABSKG2tRRbWYmzdRxQdJRdyAZMdTLrYis4yuHH3EiUKijEu75ockzPOqZVFz", "I4bocLh53MaUEYn14aqZgEHkS5QJNvEaCecKBGOeyUaLbRT5Zg4NAkzRnouWCln1"], fp: Some(("config/settings.txt", "key=ABSKAAAAAAAAAAAAAAAAAAAA")) },
    V { rule: "gcp-api-key", path: None, tp: &["key: AIzaiDlyz1Jzsr2d5AV", "ErNZW1DNU5yamgLLHZPr"], fp: Some(("config/settings.txt", "key: AIzaSyExample")) },
    V { rule: "gcp-service-account", path: None, tp: &["{\"type\": \"service_account\", \"project_id\": \"p\", \"private_key\": \"-----BEGIN PRIVATE KEY-----\\ne6VzhHWPsneVA12gCaoefaTzVgg02i2", "tCw5XMPKr4nRLzjo1N4sS1uOVXeHmONRc\\n-----END PRIVATE KEY-----\\n\"}"], fp: Some(("config/settings.txt", "{\"type\": \"service_account\", \"project_id\": \"p\"}")) },
    V { rule: "azure-ad-client-secret", path: None, tp: &["azure_secret = \"abc8Q~3rGRuBvytXAXU1", "9GXoj7dMzC5epUtbH5hP\""], fp: Some(("config/settings.txt", "azure_secret = \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"")) },
    V { rule: "azure-storage-account-key", path: None, tp: &["DefaultEndpointsProtocol=https;AccountName=x;AccountKey=ieh9fZhzFjRbNIkPDy8TXZlKM30FDE4BHiLxYS", "V24ID0GqJUY4F6gLd6F9jheOBHt3FwjhydKjyps8/lyF2abk=="], fp: Some(("config/settings.txt", "AccountKey=<your-key>")) },
    V { rule: "alibaba-access-key-id", path: None, tp: &["id=LTAIi3IHtB", "FrkXDKHT7SV2sY"], fp: Some(("config/settings.txt", "id=LTAIEXAMPLE")) },
    V { rule: "alibaba-secret-key", path: None, tp: &["alibaba_secret = \"PBs3RinyAHUGjr6", "ah0pKClndmt3Wtm\""], fp: Some(("config/settings.txt", "alibaba_secret = \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"")) },
    V { rule: "digitalocean-pat", path: None, tp: &["DO=dop_v1_2f02d53b67185767fc17c774cba", "93dfe6cf2ef8c18f87967ee3dbf68bbedf06c"], fp: Some(("config/settings.txt", "DO=dop_v1_xxxx")) },
    V { rule: "digitalocean-access-token", path: None, tp: &["DO=doo_v1_c70aa77c4f35152760cbce17e1c", "443e9f10bded7219c075a986b690d20a04359"], fp: Some(("config/settings.txt", "DO=doo_v1_xxxx")) },
    V { rule: "digitalocean-refresh-token", path: None, tp: &["DO=dor_v1_6b28791d51205812b6721896921", "fc1b092d68a8b78e36a895bde84085ca3b2e7"], fp: Some(("config/settings.txt", "DO=dor_v1_xxxx")) },
    V { rule: "yandex-api-key", path: None, tp: &["k=AQVNUKFBh0BU7fLc5mq", "sQJR7MoWqGSvcBKvEm8CN"], fp: Some(("config/settings.txt", "k=AQVNxx")) },
    V { rule: "yandex-access-token", path: None, tp: &["tok=t1.mWikzVrA2DfQySXdgSaP.rfLwraUF6JlLfhZWYMUNGfZr5MtPQ", "weeF2C5eFq9bDV38o3GHDrUlPJ5kfDXQS1NL3ubWAMdZhbT7LJjNxwkSc"], fp: Some(("config/settings.txt", "tok=t1.short")) },
    V { rule: "yandex-aws-access-token", path: None, tp: &["k=YCKq6WlPln86wYOj8Ll", "OryhrFCvCXZwAymW2xvNa"], fp: Some(("config/settings.txt", "k=YCshort")) },
    V { rule: "flyio-access-token", path: None, tp: &["FLY=fo1_oxUPWN5L2F7p4BAfR", "Pf6uYbmiZlAAK69Ics7z1ynI9G"], fp: Some(("config/settings.txt", "FLY=fo1_short")) },
    V { rule: "heroku-api-key-v2", path: None, tp: &["k=HRKU-AANiDTjH3c4s6vSVeO6JMjF08J", "hoLHKLvstTyyndV3wXWXH0ITbvXG0t6FjK"], fp: Some(("config/settings.txt", "k=HRKU-AAshort")) },
    V { rule: "heroku-api-key", path: None, tp: &["heroku_secret = \"b1793d4a-1f5b-3b11", "-238c-b28be66198b6\""], fp: Some(("config/settings.txt", "heroku_secret = \"00000000-0000-0000-0000-00000000000\"")) },
    V { rule: "cloudflare-origin-ca-key", path: None, tp: &["k=v1.0-585aa5dcc3bce05d5610d5af-14549689adbbb9066f19c7681375d2f205fff4fe4c5937d2913a8a0fc", "86942e0555c359047192be38e7eb720ef6e0f220b8c0cd3eefb80631d03332a67437f76a88aa8c8c36bd3fe17"], fp: Some(("config/settings.txt", "k=v1.0-abc")) },
    V { rule: "cloudflare-api-key", path: None, tp: &["cloudflare_secret = \"BGxHcjsIuI2vdz8fzopF", "IZHtILPKIphZMvKQSvMh\""], fp: Some(("config/settings.txt", "cloudflare_secret = \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"")) },
    V { rule: "cloudflare-global-api-key", path: None, tp: &["cloudflare_global_secret = \"5c5a9f1eea80f81e56", "3ff9910d26e64ce5e18\""], fp: Some(("config/settings.txt", "cloudflare_global_secret = \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"")) },
    V { rule: "github-pat", path: None, tp: &["export GITHUB_TOKEN=ghp_Xk8dLq2Vn", "7Rt5Wz9Bc4Hm6Jp3Ys1Fg0AeDuQ"], fp: Some(("config/settings.txt", "token: ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")) },
    V { rule: "github-fine-grained-pat", path: None, tp: &["t=github_pat_56rw5GcVYO5UIYdvrNq5kEyx8WyV22qe9n", "feDjKQMBD83aq1xtMVYdAeWVio2nAkEyU1Q_5tvger2y3HH6"], fp: Some(("config/settings.txt", "t=github_pat_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")) },
    V { rule: "github-oauth", path: None, tp: &["t=gho_vBEvGAbNrIMYxeH", "oogOn0HTkb7mKsHJWH6tn"], fp: Some(("config/settings.txt", "t=gho_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")) },
    V { rule: "github-app-token", path: None, tp: &["t=ghs_WOYkJKdyYxm173d", "SwhnImYew2Yt551NAEVHD"], fp: Some(("config/settings.txt", "t=ghs_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")) },
    V { rule: "github-refresh-token", path: None, tp: &["t=ghr_w4pOqQEZMUJbXOfUAEKYLMB319dus4lpxpb", "l2tbF3I38uqa4Gsp2URlPr0IoMxOqDR3MyjCa1yTT"], fp: Some(("config/settings.txt", "t=ghr_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")) },
    V { rule: "gitlab-pat", path: None, tp: &["t=glpat-gubvaU", "vBB7twvUAaTEDd"], fp: Some(("config/settings.txt", "t=glpat-xxxxxxxxxxxxxxxxxxxx")) },
    V { rule: "gitlab-pat-routable", path: None, tp: &["t=glpat-sGnul3j5CEIsVFPKVBQxj", "md59CV7mS15OrJSfrYG.01fy70rt6"], fp: Some(("config/settings.txt", "t=glpat-short.0")) },
    V { rule: "gitlab-ptt", path: None, tp: &["t=glptt-3b96cd9d0fd8d9ea", "04160c034ba8dc0ee0ae79b3"], fp: Some(("config/settings.txt", "t=glptt-0000")) },
    V { rule: "gitlab-rrt", path: None, tp: &["t=GR1348941WAFp", "9YOTLA4Jx3xFmsQy"], fp: Some(("config/settings.txt", "t=GR1348941x")) },
    V { rule: "gitlab-runner-authentication-token", path: None, tp: &["t=glrt-XOnRtZ", "UHngFK0lU6pXSL"], fp: Some(("config/settings.txt", "t=glrt-x")) },
    V { rule: "gitlab-deploy-token", path: None, tp: &["t=gldt-8rboSl", "K7g8wnwzUK5DNi"], fp: Some(("config/settings.txt", "t=gldt-x")) },
    V { rule: "gitlab-cicd-job-token", path: None, tp: &["t=glcbt-ab1_xjIJ", "f9XpXr12nCeQXVwt"], fp: Some(("config/settings.txt", "t=glcbt-x")) },
    V { rule: "gitlab-feed-token", path: None, tp: &["t=glft-Kq0QEn", "8tXsTXpGQDhDYx"], fp: Some(("config/settings.txt", "t=glft-x")) },
    V { rule: "gitlab-oauth-app-secret", path: None, tp: &["t=gloas-zf0W9TDwMx8mirplT2LbpVnGZ1ci", "PX7MRIQABWtxph6kynbmrAantkKAm1lE8a00"], fp: Some(("config/settings.txt", "t=gloas-x")) },
    V { rule: "gitlab-scim-token", path: None, tp: &["t=glsoat-FdgfW", "M8y65aCBNLxpr54"], fp: Some(("config/settings.txt", "t=glsoat-x")) },
    V { rule: "gitlab-session-cookie", path: None, tp: &["Cookie: _gitlab_session=z4oe2z14", "sko652d5eurii313x724gc3g"], fp: Some(("config/settings.txt", "_gitlab_session=")) },
    V { rule: "bitbucket-client-secret", path: None, tp: &["bitbucket_secret = \"KW5J15k2CgnXuvhSQjbclThLiMGoCClV", "TbNPf0W62aVhR6gH594dFQjcjoymh4T8\""], fp: Some(("config/settings.txt", "bitbucket_secret = \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"")) },
    V { rule: "bitbucket-app-password", path: None, tp: &["p=ATBBa9vc89xcFWIn2AQAN", "iZc18YzPSlPM787ECABBA66"], fp: Some(("config/settings.txt", "p=ATBBxxxx")) },
    V { rule: "npm-access-token", path: None, tp: &["//registry.npmjs.org/:_authToken=npm_jnh0xc7uxo", "9ruxjlxggzmowabzb9b22ssguh"], fp: Some(("config/settings.txt", "npm_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")) },
    V { rule: "pypi-upload-token", path: None, tp: &["password = pypi-AgEIcHlwaS5vcmczmSuEkBnbgsMvouFFmjF", "tG86nPMAFlbAz6sziZZTSajp8rneatf3KBZZMGAO"], fp: Some(("config/settings.txt", "# upload tokens start with pypi-AgEIcHlwaS5vcmc and are longer")) },
    V { rule: "dockerhub-pat", path: None, tp: &["DOCKER_TOKEN=dckr_pat_li", "v3vWJ2ngT5uGBHdF2uPvPCYpJ"], fp: Some(("config/settings.txt", "DOCKER_TOKEN=dckr_pat_xxx")) },
    V { rule: "dockerhub-oat", path: None, tp: &["T=dckr_oat_xrbRMnZpld", "IjQU7thgkrkLL6lEf6sQHZ"], fp: Some(("config/settings.txt", "T=dckr_oat_x")) },
    V { rule: "artifactory-api-key", path: None, tp: &["X-JFrog-Art-Api: AKCpTNe4HJOU0oxjPA3CD66BwMRl8c1ZAyzy", "tUbsZ5SQVqKodLIPX9UgZpk3jRglqNCoX92zT"], fp: Some(("config/settings.txt", "AKCpxx")) },
    V { rule: "artifactory-reference-token", path: None, tp: &["Authorization: Bearer cmVmdO2nWr6RF2hhnKRfHIwTIAB624s3", "CmkobLaleAOg81UssWAnvjaFRE3AkeGW"], fp: Some(("config/settings.txt", "cmVmdxx")) },
    V { rule: "quay-robot-token", path: None, tp: &["docker login quay.io -u org+deployer -p L8K2TIINVOYXOLJX0ZIO6MU9VQ96RERF", "ARWKDFJS56Q1QZRHUB0JNQH585IE77TG"], fp: Some(("config/settings.txt", "org+deployer password")) },
    V { rule: "jfrog-identity-token", path: None, tp: &["jfrog_token = \"n4jn570ptzbk6zbr73y4ef045bcasbgd", "9ez31dxy6wuln8y5gw9u34zb0uilasrx\""], fp: Some(("config/settings.txt", "jfrog_token = \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"")) },
    V { rule: "rubygems-api-token", path: None, tp: &["GEM_HOST_API_KEY=rubygems_6974e0a46d7", "4f3a950ff69766a2d142d4b04d1b4087d7f8c"], fp: Some(("config/settings.txt", "rubygems_x")) },
    V { rule: "clojars-api-token", path: None, tp: &["t=CLOJARS_wqywvzdua92ibkt8insna5qi0", "hgc4q4dsln84kzvk5vn4kdgwq3vh86f9q5v"], fp: Some(("config/settings.txt", "t=CLOJARS_x")) },
    V { rule: "nuget-api-key", path: None, tp: &["key=oy2hor5s1s360oyd78v58", "9ywc2ko567jsbqgsy6asz0g4x"], fp: Some(("config/settings.txt", "key=oy2x")) },
    V { rule: "droneci-access-token", path: None, tp: &["DRONE_TOKEN=0v8w6erz9g", "neocrb33iti0nqx2hcwe1s"], fp: Some(("config/settings.txt", "DRONE_TOKEN=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")) },
    V { rule: "travisci-access-token", path: None, tp: &["TRAVIS_TOKEN=1c35", "aiv3u0f49pwjyd07j5"], fp: Some(("config/settings.txt", "TRAVIS_TOKEN=aaaaaaaaaaaaaaaaaaaaaa")) },
    V { rule: "codecov-access-token", path: None, tp: &["CODECOV_TOKEN=vajymn1kc", "nhqa16qw48podjnjbwgu6m6"], fp: Some(("config/settings.txt", "CODECOV_TOKEN=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")) },
    V { rule: "hashicorp-tf-api-token", path: None, tp: &["token = \"l19ytr7ewqguru.atlasv1.9vrh6gq4jiub3jmcsm8yk", "ca1375o5qul7dlvsocebh4nll8mpppv0hykoygp2rls7\""], fp: Some(("config/settings.txt", "x.atlasv1.y")) },
    V { rule: "vault-service-token", path: None, tp: &["VAULT_TOKEN=hvs.vwnXQkRCXwtxlcsOlbKZcSLgPlIAhAWnf4ieyry", "emxl0jgIthiwSQJdVtRHXDncnJ0BTSTuu4Q9eCi91sDR6P1Yxe5X5qiB"], fp: Some(("config/settings.txt", "VAULT_TOKEN=hvs.xxx")) },
    V { rule: "vault-batch-token", path: None, tp: &["VAULT_TOKEN=hvb.9PIUebD4bZmRvoCLGxNm4pvUxXaIo2LR5luVUwEVQCIvSUvHmuLGCq7sGLtfVK", "YPEv3PphklZHKY26zWz3THdLB9qOpqyMUkKXLmYVVLRVfjwffi8BUF3Dh8lqUB4OWAch2DCMGo138R"], fp: Some(("config/settings.txt", "VAULT_TOKEN=hvb.xxx")) },
    V { rule: "pulumi-api-token", path: None, tp: &["PULUMI_ACCESS_TOKEN=pul-1f9ac4e3", "a8a207bc3e18e29dac463a431bf12410"], fp: Some(("config/settings.txt", "pul-x")) },
    V { rule: "doppler-api-token", path: None, tp: &["DOPPLER_TOKEN=dp.pt.dkalvfcavy0", "diwqjs68xh905et2p1aenbecb5ya245q"], fp: Some(("config/settings.txt", "dp.pt.x")) },
    V { rule: "octopus-deploy-api-key", path: None, tp: &["X-Octopus-ApiKey: API-3XO4PB4HAVO", "BDQ0UG54I6A3RNR"], fp: Some(("config/settings.txt", "API-KEY")) },
    V { rule: "prefect-api-token", path: None, tp: &["PREFECT_API_KEY=pnu_TVnfJ96x", "49Qmxj0Ag50rzumaeTuauuQWqKS4"], fp: Some(("config/settings.txt", "pnu_x")) },
    V { rule: "harness-api-key", path: None, tp: &["k=pat.oYcYi9ihdNj9GqaFETjHUQ.pAlvb1ye", "9YRM42QyCMz8jPNn.qJ8HNbSKXKn6aNrM6IBg"], fp: Some(("config/settings.txt", "k=pat.x.y.z")) },
    V { rule: "infracost-api-token", path: None, tp: &["INFRACOST_API_KEY=ico-k6tgu", "B2ADwOwEA0yb8uc9LjfHuUFgEHf"], fp: Some(("config/settings.txt", "ico-x")) },
    V { rule: "snyk-api-token", path: None, tp: &["SNYK_TOKEN=a7fe29ff-317", "8-c675-0fd3-c9fd5e309c62"], fp: Some(("config/settings.txt", "SNYK_TOKEN=none")) },
    V { rule: "sonar-api-token", path: None, tp: &["SONAR_TOKEN=squ_q0xlznxkgwij", "7hzrvlts0lel2mdvw1apfsaqi5ep"], fp: Some(("config/settings.txt", "SONAR_TOKEN=squ_x")) },
    V { rule: "slack-bot-token", path: None, tp: &["SLACK=xoxb-754245100155-450105", "739754-LJKi7yvVgDubsDmaH6zvy6m4"], fp: Some(("config/settings.txt", "xoxb-123-abc")) },
    V { rule: "slack-user-token", path: None, tp: &["SLACK=xoxp-155879844330-953098057717-8738", "39595731-OTaDBT3yiivMPWDESl5dTxJGs3pn8gXk"], fp: Some(("config/settings.txt", "xoxp-1-2")) },
    V { rule: "slack-app-token", path: None, tp: &["SLACK=xapp-1-A307JK72LWV-0507336754836-4c432cb988a1", "39807bc83de21ca2bc1540dcda6d29121d9ece5a5c057c8545d4"], fp: Some(("config/settings.txt", "xapp-x")) },
    V { rule: "slack-legacy-token", path: None, tp: &["t=xoxs-8666586526-3365979612-4189939248-2f0f46187a27", "c4376148f3e00a996d3ec4bcb8e08db56b4b5f02fbde49db14e2"], fp: Some(("config/settings.txt", "t=xoxs-x")) },
    V { rule: "slack-config-access-token", path: None, tp: &["t=xoxe.xoxp-1-X39KRP90AEAUX5MKYH4NLAB5AKNKD5H3WPCDH0SDM8XB3OHCXLULXATBCDGG0DL3MDOFN532C1J", "5XZIOSVGT22GA8LJB36B3OB3PZIMCDDD9035CVFXMRMXP3OBQAA2VT91OEQQXQN0OUID0A3GH7YICWZ6UPC2UY6EI"], fp: Some(("config/settings.txt", "t=xoxe.xoxp-x")) },
    V { rule: "slack-config-refresh-token", path: None, tp: &["t=xoxe-1-QV2MJKARPVN7IWQEWV3RQCGVEFKL6ZX3WA897Z8A6NCHGUYVYQPHC89IUGGAOZRZFKJ8", "GHWN9XKV7MFGERX7EU46F9OTM8XSHX2F8ZVX2APV069ZXZ71VY7BU5XHWM97I5B2A042N93ZD37XD1"], fp: Some(("config/settings.txt", "t=xoxe-1-x")) },
    V { rule: "slack-webhook-url", path: None, tp: &["url: https://hooks.slack.com/services/TLH8NXB4P", "/B2DDGP2YMUM/BT9wXTC3p2j56WJqKsmZPc6x"], fp: Some(("config/settings.txt", "url: https://hooks.slack.com/services/XXX")) },
    V { rule: "microsoft-teams-webhook", path: None, tp: &["u=https://acme.webhook.office.com/webhookb2/246872e6-991f-ccdc-590e-93c2fd0b57ce@b6f151cd-e299-e4f6-cfd7-3edd451c3a62/IncomingWebhook/64ae2a04", "f82ac1cf7e05083586cf0934/cdba39ed-6385-1ba7-310e-42168d1fc8fb"], fp: Some(("config/settings.txt", "u=https://acme.webhook.office.com/webhookb2/x")) },
    V { rule: "discord-webhook-url", path: None, tp: &["u=https://discord.com/api/webhooks/651490549212624683/150CtrfmJhq", "YyaM3sc8Tja7EKH4laYdeGXx5XwUkhblDZJcp73F4vWr4JUHoy7qpIl3V"], fp: Some(("config/settings.txt", "u=https://discord.com/api/webhooks/1/x")) },
    V { rule: "discord-api-token", path: None, tp: &["discord_secret = \"18a36dcd823b51199e371d19a9ea5ec9", "d022da124e0ff8079dd6523a19cf919f\""], fp: Some(("config/settings.txt", "discord_secret = \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"")) },
    V { rule: "telegram-bot-api-token", path: None, tp: &["TELEGRAM_BOT_TOKEN=8223540419:AOzr04zFFBcYiq861", "hlHpyP3StK3nEdia6a"], fp: Some(("config/settings.txt", "TELEGRAM_BOT_TOKEN=123:ABC")) },
    V { rule: "stripe-access-token", path: None, tp: &["STRIPE_KEY=sk_live_b1", "2Q0ye4UEkOGyrSMFbWnqLX"], fp: Some(("config/settings.txt", "STRIPE_KEY=sk_live_short")) },
    V { rule: "stripe-webhook-secret", path: None, tp: &["STRIPE_WEBHOOK=whsec_o2L2U", "NgoTVClhlR5fxlGw9VrtEwnOP8J"], fp: Some(("config/settings.txt", "whsec_x")) },
    V { rule: "twilio-api-key", path: None, tp: &["TWILIO_KEY=SKd0c115a88", "e668930dd5439485649d51e"], fp: Some(("config/settings.txt", "TWILIO_KEY=SK00000000000000000000000000000000")) },
    V { rule: "sendgrid-api-token", path: None, tp: &["SENDGRID_API_KEY=SG.GMQoRf7ecM6Zuh9mIan8qR.", "aQblXL1Ub92qvf8GxFtAoyRgor9WulAZbhoQhboytJU"], fp: Some(("config/settings.txt", "SG.xx")) },
    V { rule: "sendinblue-api-token", path: None, tp: &["k=xkeysib-53a194080a3eafa653b89eed2fa61d70b90", "de6a6845c775ae7830d739b9b1c97-k4mm5t8z8fn8qhts"], fp: Some(("config/settings.txt", "xkeysib-x")) },
    V { rule: "mailgun-private-api-token", path: None, tp: &["MAILGUN_API_KEY=key-984ad6", "18f2a00fbe6d2dc5c3879a20ad"], fp: Some(("config/settings.txt", "MAILGUN_API_KEY=key-00000000000000000000000000000000")) },
    V { rule: "mailchimp-api-key", path: None, tp: &["MC_KEY=2e6e518ee1ed2b9", "41967b52bb1cdb24f-us12"], fp: Some(("config/settings.txt", "MC_KEY=00000000000000000000000000000000-us1")) },
    V { rule: "shopify-access-token", path: None, tp: &["t=shpat_b915b707cddf", "a0769a9c8d04262a7863"], fp: Some(("config/settings.txt", "shpat_x")) },
    V { rule: "shopify-custom-access-token", path: None, tp: &["t=shpca_629addcace7f", "a688cf85a1515f52d7f0"], fp: Some(("config/settings.txt", "shpca_x")) },
    V { rule: "shopify-private-app-access-token", path: None, tp: &["t=shppa_c0a3cd902d7f", "992446b25f57f99be20e"], fp: Some(("config/settings.txt", "shppa_x")) },
    V { rule: "shopify-shared-secret", path: None, tp: &["t=shpss_069ac3b468a1", "1e92818c1a018479bd18"], fp: Some(("config/settings.txt", "shpss_x")) },
    V { rule: "square-access-token", path: None, tp: &["SQUARE=EAAAeF5f02b6ceSwNEIEBtZP8dFy", "0XfhfzDAAU9ohKDMSw86sXe60yBZ6usQJ4vI"], fp: Some(("config/settings.txt", "SQUARE=EAAAx")) },
    V { rule: "square-secret", path: None, tp: &["s=sq0csp-ZvpMYAu0tAP2mdigm", "i4v8oZ5Bjubyn0pvJYlXDEuUuT"], fp: Some(("config/settings.txt", "sq0csp-x")) },
    V { rule: "openai-api-key", path: None, tp: &["OPENAI_API_KEY=sk-proj-YiY4bXSWyDAisgM0itcKiQBrynU4lICW4mRNY9WuF7GGbyD00nXRX22s", "CdQSYKVzT3BlbkFJPmCMvinLoYrWz6GfQUrMqci1ZFkZqRrhrtltQdjR7df2fo4jkNPhTqetbogh6wSp"], fp: Some(("config/settings.txt", "OPENAI_API_KEY=sk-proj-xxx")) },
    V { rule: "anthropic-api-key", path: None, tp: &["ANTHROPIC_API_KEY=sk-ant-api03-KDtelpsIySgy0zFUYEKPL68gllvpLkby", "AEoeSe9mumjZKYDg0LKIooEWuyFmL7crbgwnIbqfNNWEGxnVzddwtZ3PoAUQ7AA"], fp: Some(("config/settings.txt", "sk-ant-api03-x")) },
    V { rule: "anthropic-admin-api-key", path: None, tp: &["K=sk-ant-admin01-nKygtdyz9gY8E28KNCthNcV996KQdgfBFfn0eTd", "DNqeg8fjLMem2d7ms3b6WahwIzoNUa2T7AfVIqxsfv2N9lLQxeN8dOAA"], fp: Some(("config/settings.txt", "sk-ant-admin01-x")) },
    V { rule: "huggingface-access-token", path: None, tp: &["HF_TOKEN=hf_sTYoZyjcQUW", "XZHKtNyGOzBOSNkMyvyddaV"], fp: Some(("config/settings.txt", "HF_TOKEN=hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")) },
    V { rule: "huggingface-organization-api-token", path: None, tp: &["T=api_org_dFmymJNfxRnd", "iJjnkyqMlSaitOXiXLHHpZ"], fp: Some(("config/settings.txt", "api_org_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")) },
    V { rule: "perplexity-api-key", path: None, tp: &["K=pplx-Kdn3sosE96BoK1PWL1aq", "lOALmOj7hEBscv7dLoajfElAyLLw"], fp: Some(("config/settings.txt", "pplx-x")) },
    V { rule: "databricks-api-token", path: None, tp: &["DATABRICKS_TOKEN=dapie854f", "22f6fcebe0326064393429c679f"], fp: Some(("config/settings.txt", "dapi00000000000000000000000000000000")) },
    V { rule: "datadog-access-token", path: None, tp: &["datadog_secret = \"y9dj49hdrkjk3jjhrymu", "9c1o8szeorrmcmpev4u1\""], fp: Some(("config/settings.txt", "datadog_secret = \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"")) },
    V { rule: "new-relic-user-api-key", path: None, tp: &["NEW_RELIC_API_KEY=NRAK-EQ", "OI9602XS53MTKZEEPV0NUI2L0"], fp: Some(("config/settings.txt", "NRAK-x")) },
    V { rule: "new-relic-insert-key", path: None, tp: &["k=NRII-o1n6h0irsun0", "6n757y6he15ht1svahvs"], fp: Some(("config/settings.txt", "NRII-x")) },
    V { rule: "new-relic-browser-api-token", path: None, tp: &["k=NRJS-3cf37b", "0ed9dca3c6193"], fp: Some(("config/settings.txt", "NRJS-x")) },
    V { rule: "sentry-user-token", path: None, tp: &["SENTRY_AUTH_TOKEN=sntryu_453ba340137972206b2", "852c5de0abe82ca2121c21140e9188903d6362a823506"], fp: Some(("config/settings.txt", "sntryu_x")) },
    V { rule: "sentry-org-token", path: None, tp: &["T=sntrys_eyJpYXQiOH3kMOedt7bmgC9uk0zrbMqMPSrWPhHYFUhoV0EmMLCJyZWdpb25fdXJshawtb", "4lAJGSBtsbY8Ksu9d6jjsLurZm0jH6IPo5q_81XHiDIO7N0oUEVKD7anNIUpjYx8UFJfIyhYwx5In97"], fp: Some(("config/settings.txt", "sntrys_x")) },
    V { rule: "grafana-cloud-api-token", path: None, tp: &["GRAFANA=glc_CjVyIkdHgaiyJs", "GK3jrGYtUEwWX1f2Kdss0AdsLT"], fp: Some(("config/settings.txt", "glc_x")) },
    V { rule: "grafana-service-account-token", path: None, tp: &["GRAFANA=glsa_nUEEy6FB3CR8Vw", "fbs1SVBsA74OLWJyRR_209f3ea5"], fp: Some(("config/settings.txt", "glsa_x")) },
    V { rule: "grafana-api-key", path: None, tp: &["GRAFANA=eyJrIjoi6kvDp3XZL6hHxwJEQt4k4IHcilpnck4N", "x7aJmY1yeYiCuniz2L6FymApBNky1QAgKW0F4EeYeIcqShe3"], fp: Some(("config/settings.txt", "eyJrIjoix")) },
    V { rule: "linear-api-key", path: None, tp: &["LINEAR=lin_api_TN0ActRyUJum", "r4NaMEfjpb9bfZQvKUKnZCFlHXIH"], fp: Some(("config/settings.txt", "lin_api_x")) },
    V { rule: "postman-api-token", path: None, tp: &["POSTMAN=PMAK-900b154c6cd5d6675cc9d99", "f-5fae1c87d2850f76e370aa6d2697906035"], fp: Some(("config/settings.txt", "PMAK-x")) },
    V { rule: "dynatrace-api-token", path: None, tp: &["DT=dt0c01.68P1O9PB6XC76PUIWNPISVGK.dkwido9on78n1s", "zg87474o30da4zkhhgz31j528d6a88dbnwtyvkwnx20dvkuc55"], fp: Some(("config/settings.txt", "dt0c01.x")) },
    V { rule: "notion-api-token", path: None, tp: &["NOTION=ntn_22162002993uOKTH9", "g54cqFwDBQaRglNw7dIruZLVeVkv4"], fp: Some(("config/settings.txt", "ntn_x")) },
    V { rule: "okta-access-token", path: None, tp: &["OKTA_TOKEN=00vQoKyB2InFh3S", "xPNZcib1AFFTB99c6Qa9ikQ8HRB"], fp: Some(("config/settings.txt", "OKTA_TOKEN=00xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")) },
    V { rule: "atlassian-api-token", path: None, tp: &["atlassian_secret = \"ATATT3Zp7LSGxrdJdNdPSqJW5JTSPnW3G0nEOt0VOjxdwMEwP3RdeDEZyO9VHW9hFoANCZNvgeDgXl7nIxjUkPsE4yW6JXvt", "MWNPf32FSL28WtkbaXrILbwMiiWhJqGPfGiQ0ClklOobmdgeNSStx1an818YPJPaVybeXR4aVbww5KuyFBTRzj2ZhT4gPnwK\""], fp: Some(("config/settings.txt", "atlassian_secret = \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"")) },
    V { rule: "age-secret-key", path: None, tp: &["AGE-SECRET-KEY-1AUKFPTX6UW5UM89NRFCJJ", "KEMFHZYP20V2SM8RS3VUJNCJY4DHPFPNAAMHG"], fp: Some(("config/settings.txt", "AGE-SECRET-KEY-1XXX")) },
    V { rule: "planetscale-password", path: None, tp: &["DB=pscale_pw_iGkdwlBoYEWjJZ3", "4SEW9ZgUvhyhACniG2NKO1K0FmTk"], fp: Some(("config/settings.txt", "pscale_pw_x")) },
    V { rule: "planetscale-api-token", path: None, tp: &["T=pscale_tkn_T3A7QlOftmTRyfW", "Rxm0vqd4G1VqFXGWpzdo4XJw2Wvs"], fp: Some(("config/settings.txt", "pscale_tkn_x")) },
    V { rule: "readme-api-token", path: None, tp: &["K=rdme_pnq3q8kcp332huon7grd1s1254ia0ct", "7uux6g1gaz7e9yxwhjyl4l4pfysb0mi9u0kvd43"], fp: Some(("config/settings.txt", "rdme_x")) },
    V { rule: "typeform-api-token", path: None, tp: &["T=tfp_rs5by5y8h8ohr8iv3zmk00yr8z", "7hnxn0ic4ylwr5smwop9xihbvt7dxrviq"], fp: Some(("config/settings.txt", "tfp_x")) },
    V { rule: "shippo-api-token", path: None, tp: &["T=shippo_live_a18cf6ec42187", "47c83ef40324b14cea6293a568e"], fp: Some(("config/settings.txt", "shippo_live_x")) },
    V { rule: "easypost-api-token", path: None, tp: &["K=EZAKmqY2g5eULqixnQsSoS39Jb8X", "IXK3gmZstc0YJ8j42CYTWqBojfTg8I"], fp: Some(("config/settings.txt", "EZAKx")) },
    V { rule: "duffel-api-token", path: None, tp: &["T=duffel_live_bWFnPvcFSJA3AZ", "OiuxTTWLrprJWRcIBM26LtnNvFg2s"], fp: Some(("config/settings.txt", "duffel_live_x")) },
    V { rule: "frameio-api-token", path: None, tp: &["T=fio-u-TlMNDYKDEKqOtShtXLW5l77RPo5Q", "3fwGC7MktiU8S1QPXo4q9JvYGGdl3feOi2Gz"], fp: Some(("config/settings.txt", "fio-u-x")) },
    V { rule: "flutterwave-secret-key", path: None, tp: &["K=FLWSECK_TEST-d35151gdh", "8be9bh5h4ce4c34fb6gfeh9-X"], fp: Some(("config/settings.txt", "FLWSECK_TEST-x")) },
    V { rule: "lob-api-key", path: None, tp: &["LOB_KEY=live_7dcdb05b124", "c9509ac42caf12cde105a20f"], fp: Some(("config/settings.txt", "LOB_KEY=live_x")) },
    V { rule: "netlify-access-token", path: None, tp: &["NETLIFY_AUTH_TOKEN=nfp_KscnCy", "bLMOWin0kCbDbWveul4KpHQ5oetuC4"], fp: Some(("config/settings.txt", "nfp_x")) },
    V { rule: "scalingo-api-token", path: None, tp: &["T=tk-us-rF4auJipyKKKHZRBYUxM", "nxVDWEns8gG3S3u1rcqnVcAuSi10"], fp: Some(("config/settings.txt", "tk-us-x")) },
    V { rule: "mapbox-api-token", path: None, tp: &["MAPBOX=sk.eyJ36natjP6KBTCuA16KYKuTBUxguHdPcISFSZ", "f90kpwIfWyOAmMiajqKq4t90M.NnPzug7zdjBVWrWhg9itUX"], fp: Some(("config/settings.txt", "sk.eyJx.y")) },
    V { rule: "dropbox-short-lived-api-token", path: None, tp: &["DROPBOX=sl.dXOmvInY0tK1amOXsBfENUFbPd1OtEDngdQGvef50d3OgCDXrqn14CJ5QmkaCPY", "hkT8Fe67KdzenljVHjqB7xrjvzgmAeXvW0UMXjfdYlBZthU9T91lnMjHGTgn1gEcyLAr20og0zX"], fp: Some(("config/settings.txt", "sl.x")) },
    V { rule: "intercom-api-key", path: None, tp: &["INTERCOM_TOKEN=pmxq3aial1r583hqsj7ab4", "l3pvlvyo8solcwqaulo4tniianiid33dpjgf04"], fp: Some(("config/settings.txt", "INTERCOM_TOKEN=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")) },
    V { rule: "hubspot-api-key", path: None, tp: &["HUBSPOT=pat-na1-9668cfe6-7", "148-f583-6622-b7b781c5e78d"], fp: Some(("config/settings.txt", "pat-na1-x")) },
    V { rule: "facebook-page-access-token", path: None, tp: &["FB=EAACV7eTlnrAsBWwhpvmXbZtuWu0vdVzygyi6KMMSQtwNmSWNIjYQ8uqWSRZ", "t2aZ17yyCbnNYUNCVLBgikilRUPsO5yqGRBLrlRfVhTVQs0zzN9qK3MegzgiZ6az"], fp: Some(("config/settings.txt", "FB=EAACx")) },
    V { rule: "twitter-bearer-token", path: None, tp: &["TWITTER_BEARER=AAAAAAAAAAAAAAAAAAAAAAiglKU3qGTdJlbDdQpN36tWg8zW", "3DDmIJwSuozIAdFOgGe3GXFnMP3OHmV46wbd3IyPvooDhMeNf8cGK6lS7jTuWPYB"], fp: Some(("config/settings.txt", "AAAAAAAAAAAAAAAAAAAAAAx")) },
    V { rule: "twilio-auth-token", path: None, tp: &["twilio_secret = \"5108fd89e09dfc6d", "e575117be98fcdbc\""], fp: Some(("config/settings.txt", "twilio_secret = \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"")) },
    V { rule: "algolia-api-key", path: None, tp: &["algolia_secret = \"1mudp79pd7nmql6v", "zo97m225paozl0nh\""], fp: Some(("config/settings.txt", "algolia_secret = \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"")) },
    V { rule: "airtable-api-key", path: None, tp: &["airtable_secret = \"brknbppw", "sc0yaiy5w\""], fp: Some(("config/settings.txt", "airtable_secret = \"xxxxxxxxxxxxxxxxx\"")) },
    V { rule: "airtable-personnal-access-token", path: None, tp: &["AIRTABLE=pateSpIm8gHcqOFav.c40a16ee7e4277bf4e", "740e0fda338dc90a348272d2f7c72a0057e9dff096e166"], fp: Some(("config/settings.txt", "pat.x")) },
    V { rule: "asana-client-secret", path: None, tp: &["asana_secret = \"5dengwibgeyaod76", "g1v84v9wgpskq1ie\""], fp: Some(("config/settings.txt", "asana_secret = \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"")) },
    V { rule: "zendesk-secret-key", path: None, tp: &["zendesk_secret = \"hQyhRCwEyLbHnoACJ8mn", "1UtqQqq7Y2PdcgpMseMm\""], fp: Some(("config/settings.txt", "zendesk_secret = \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"")) },
    V { rule: "sumologic-access-token", path: None, tp: &["sumo_secret = \"ZXwBfJ5e7W0sedIsfyUaXpOOdKI1bxCq", "1D6cSJNw26KPG4Xs1yZTaRUR7j6G9D4J\""], fp: Some(("config/settings.txt", "sumo_secret = \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"")) },
    V { rule: "fastly-api-token", path: None, tp: &["fastly_secret = \"zhZuFAfzxqq8YwAa", "kONwoSdKpknhuExT\""], fp: Some(("config/settings.txt", "fastly_secret = \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"")) },
    V { rule: "linkedin-client-secret", path: None, tp: &["linked_i", "n_secret = \"yoit8tsrr8n5r8xa\""], fp: Some(("config/settings.txt", "linked_in_secret = \"xxxxxxxxxxxxxxxx\"")) },
    V { rule: "twitter-api-secret", path: None, tp: &["twitter_secret = \"nXCHAEMTgTLNMkmtQQOaTcOkd", "jfhR4LWP3VYZ7SxdleqN0UZI7\""], fp: Some(("config/settings.txt", "twitter_secret = \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"")) },
    V { rule: "sidekiq-secret", path: None, tp: &["BUNDLE_ENTERPRISE__C", "ONTRIBSYS__COM_secret = \"ed5253cf:bb0f610a\""], fp: Some(("config/settings.txt", "BUNDLE_ENTERPRISE__CONTRIBSYS__COM_secret = \"xxxxxxxxxxxxxxxxx\"")) },
    V { rule: "coinbase-access-token", path: None, tp: &["coinbase_secret = \"f56l4kqe4fwqmte23lsw6p2ptmfgjxrp", "6a63e1hq6zgt8aj8lju9tvf15j3d16rv\""], fp: Some(("config/settings.txt", "coinbase_secret = \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"")) },
    V { rule: "confluent-secret-key", path: None, tp: &["confluent_secret = \"qzmui1ovai7rzzoop9c2vpo7lkddgyfb", "mpzxwgt74pa73jhh08q9ap1up2ru4j79\""], fp: Some(("config/settings.txt", "confluent_secret = \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"")) },
    V { rule: "contentful-delivery-api-token", path: None, tp: &["contentful_secret = \"5QbuoXUHyxeNPVyPVlssE", "fLbVV0dCUQqx64LnDXadCf\""], fp: Some(("config/settings.txt", "contentful_secret = \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"")) },
    V { rule: "launchdarkly-access-token", path: None, tp: &["launchdarkly_secret = \"DrwkMHNYiBGX3ESn0BIH", "k0nshPijPHHnGvZF893d\""], fp: Some(("config/settings.txt", "launchdarkly_secret = \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"")) },
    V { rule: "mattermost-access-token", path: None, tp: &["mattermost_secret = \"wbajeemouxton", "vq9h372c7f1is\""], fp: Some(("config/settings.txt", "mattermost_secret = \"xxxxxxxxxxxxxxxxxxxxxxxxxx\"")) },
    V { rule: "messagebird-api-token", path: None, tp: &["message_bird_secret = \"yxbmqivbdbzz", "g6e8lmsecidr7\""], fp: Some(("config/settings.txt", "message_bird_secret = \"xxxxxxxxxxxxxxxxxxxxxxxxx\"")) },
    V { rule: "plaid-secret-key", path: None, tp: &["plaid_secret = \"fya4b0rshxvbcxi", "ufj7qexvs4e74nc\""], fp: Some(("config/settings.txt", "plaid_secret = \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"")) },
    V { rule: "gocardless-api-token", path: None, tp: &["gocardless_secret = \"live_46ij9kddvxdrikq6w", "qpmzrn8913xtx3qgey4xk75\""], fp: Some(("config/settings.txt", "gocardless_secret = \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"")) },
    V { rule: "finnhub-access-token", path: None, tp: &["finnhub_secret = \"bkar4wj52z", "qquh56z57p\""], fp: Some(("config/settings.txt", "finnhub_secret = \"xxxxxxxxxxxxxxxxxxxx\"")) },
    V { rule: "etsy-access-token", path: None, tp: &["etsy_secret = \"fcas1zuum0in", "1p25jeq4dlsm\""], fp: Some(("config/settings.txt", "etsy_secret = \"xxxxxxxxxxxxxxxxxxxxxxxx\"")) },
    V { rule: "nytimes-access-token", path: None, tp: &["nytimes_secret = \"wjo9wcnhmtqlm71v", "8uw7ojaw5nwfsfr4\""], fp: Some(("config/settings.txt", "nytimes_secret = \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"")) },
    V { rule: "rapidapi-access-token", path: None, tp: &["rapidapi_secret = \"x5BK6XScyxwLUD5dxbaIErUAM", "lnf78paWEKdNVHd9yPzkaHKoc\""], fp: Some(("config/settings.txt", "rapidapi_secret = \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"")) },
    V { rule: "maxmind-license-key", path: None, tp: &["maxmind_secret = \"9zlqGy_A1NCjPqzm9fpa", "HPwqxa2YTkqY8C9v_mmk\""], fp: Some(("config/settings.txt", "maxmind_secret = \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"")) },
    V { rule: "adobe-client-secret", path: None, tp: &["adobe_secret = \"p8e-1ji7sdjcadcjsi", "ng6jhfyxpuv162a9ar\""], fp: Some(("config/settings.txt", "adobe_secret = \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"")) },
    V { rule: "beamer-api-token", path: None, tp: &["beamer_secret = \"b_j96vt1mfpfgwpt5t8uvqd", "ft27vfbzg20lubfx1njf7m6\""], fp: Some(("config/settings.txt", "beamer_secret = \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"")) },
    V { rule: "kucoin-secret-key", path: None, tp: &["kucoin_secret = \"fcff9115-118a-1fd8", "-6baa-61c94e59c66c\""], fp: Some(("config/settings.txt", "kucoin_secret = \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"")) },
    V { rule: "kraken-access-token", path: None, tp: &["kraken_secret = \"RXe861EYZGGYCkdb6Ib6ffgDm37pTZ5zTbZ645B3X7W", "NPMmv9tQDaSA7C1MGzBYykLSP7Gzv53ZleDl0jgdnSv\""], fp: Some(("config/settings.txt", "kraken_secret = \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"")) },
    V { rule: "bittrex-secret-key", path: None, tp: &["bittrex_secret = \"zwnh483z1yu1aea9", "kqkf1rnxfc5jjiyp\""], fp: Some(("config/settings.txt", "bittrex_secret = \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"")) },
    V { rule: "freshbooks-access-token", path: None, tp: &["freshbooks_secret = \"hzgweksav296td2zaue0tarbktuqrdg3", "two44fwqjad6yduitfzggrwos95k639j\""], fp: Some(("config/settings.txt", "freshbooks_secret = \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"")) },
    V { rule: "gitter-access-token", path: None, tp: &["gitter_secret = \"ikg24vmynngwi9f1nbh0", "t6huyu3mplzw8o3wlr80\""], fp: Some(("config/settings.txt", "gitter_secret = \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"")) },
    V { rule: "lob-pub-api-key", path: None, tp: &["lob_secret = \"live_pub_f257e813532", "1af993b3015b514b6251\""], fp: Some(("config/settings.txt", "lob_secret = \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"")) },
    V { rule: "twitch-api-token", path: None, tp: &["twitch_secret = \"9gixvv1ctapnlil", "7gtf6hobf8u9wav\""], fp: Some(("config/settings.txt", "twitch_secret = \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"")) },
    V { rule: "cisco-meraki-api-key", path: None, tp: &["meraki_secret = \"3c9f1a2b956c9bb17f4f", "b0f80db218b25e630e4d\""], fp: Some(("config/settings.txt", "meraki_secret = \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"")) },
    V { rule: "clickhouse-cloud-api-secret-key", path: None, tp: &["clickhouse_secret = \"4b1dOcxa3fCcz5YRH4szi", "wRwYL718YEiMTt6Lq0mQn\""], fp: Some(("config/settings.txt", "clickhouse_secret = \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"")) },
    V { rule: "openshift-user-token", path: None, tp: &["openshift_secret = \"sha256~AECR98TABsn0AU9FUn", "NrR8c4UbYXjWAmZkNf1c2Pvgw\""], fp: Some(("config/settings.txt", "openshift_secret = \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"")) },
    V { rule: "authress-service-client-access-key", path: None, tp: &["authress_secret = \"sc_jxjl8g4qpl.9l131.acc_11siceru3hi8nazslc8n.y4cxz4u", "34b3mzxtcfhogno6cw9y1r9juzkal5uvcywmhdi1ry7ozpo1itc0j\""], fp: Some(("config/settings.txt", "authress_secret = \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"")) },
    V { rule: "settlemint-personal-access-token", path: None, tp: &["settlemint_secret = \"sm_pat_bEl0", "WvaEMwVqDYns\""], fp: Some(("config/settings.txt", "settlemint_secret = \"xxxxxxxxxxxxxxxxxxxxxxx\"")) },
    V { rule: "privateai-api-token", path: None, tp: &["private_ai_secret = \"8ty2p6w4bucgqj5o", "cntbqqhux6l4cpc9\""], fp: Some(("config/settings.txt", "private_ai_secret = \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"")) },
    V { rule: "cohere-api-token", path: None, tp: &["cohere_secret = \"VIct0qruBAx81UMwRgoE", "zsscPgC1RhH1G5TUYJHH\""], fp: Some(("config/settings.txt", "cohere_secret = \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"")) },
    V { rule: "defined-networking-api-token", path: None, tp: &["dnkey_secret = \"dnkey-1toedfdtnfqncnseyaddhfycat-hi3tglyqf", "ruxxgor0o6xoohkgpi18mf8ww89zucbdhc0vti01hmv\""], fp: Some(("config/settings.txt", "dnkey_secret = \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"")) },
    V { rule: "sourcegraph-access-token", path: None, tp: &["sourcegraph_secret = \"sgp_bcef1f4aed897594_764f362bb", "c78e63377df7fffe77a89241039bdca\""], fp: Some(("config/settings.txt", "sourcegraph_secret = \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"")) },
    V { rule: "squarespace-access-token", path: None, tp: &["squarespace_secret = \"92640bc0-d536-6838", "-2b76-44a87c337b10\""], fp: Some(("config/settings.txt", "squarespace_secret = \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"")) },
    V { rule: "looker-client-secret", path: None, tp: &["looker_secret = \"ropac25gnceg", "vyz28maxkcnd\""], fp: Some(("config/settings.txt", "looker_secret = \"xxxxxxxxxxxxxxxxxxxxxxxx\"")) },
    V { rule: "finicity-client-secret", path: None, tp: &["finicity_secret = \"w6qrfnt0yv", "52raf53k8t\""], fp: Some(("config/settings.txt", "finicity_secret = \"xxxxxxxxxxxxxxxxxxxx\"")) },
    V { rule: "intra42-client-secret", path: None, tp: &["intra42_secret = \"s-s4t2ud-b6501c3de491d7be11794cc3885", "746ff8394011adc32fec3bb9f87e08fbc3ad1\""], fp: Some(("config/settings.txt", "intra42_secret = \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"")) },
    V { rule: "freemius-secret-key", path: None, tp: &["secret_key_secret = \"sk_XdvgwkodIoMc8", "s1Y4nDK4cZtwdvdB\""], fp: Some(("config/settings.txt", "secret_key_secret = \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"")) },
    V { rule: "1password-secret-key", path: None, tp: &["1password_secret = \"A3-91J5SV-VNXZ39ZF7", "46-A7C9N-X86YV-4IAXX\""], fp: Some(("config/settings.txt", "1password_secret = \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"")) },
    V { rule: "1password-service-account-token", path: None, tp: &["OP_SERVICE_ACCOUNT_TOKEN=ops_eyJMjldVDcTeHXhdZbLulXp2ATCR5KqOTIIEww9Bn7squHHf56vBeZqtDuRo3n6tZ4IueGOzv3Q1kqCsTurHhW8eR7hRFa9kGolUQCPw1PHfcqtbWQFyG", "T2bXCzhA73k9vndNr1cQDlf90Huc07VO8kW8RGKcrrIK9GCDeGrqWBuXOhaMkg9nwAOdh87N3dcaIndPSVxHYvLgif1pzf2mtXkC97OQrBsuzHXbExajg6llXkKpKTLttNGjUZP45Z2PeAP60t"], fp: Some(("config/settings.txt", "ops_eyJx")) },
    V { rule: "adafruit-api-key", path: None, tp: &["ADAFRUIT_IO_KEY=t0kq2vjh", "bry8abi67pahyw2vzel44o4p"], fp: Some(("config/settings.txt", "ADAFRUIT_IO_KEY=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")) },
    V { rule: "private-key", path: None, tp: &["-----BEGIN RSA PRIVATE KEY-----\nVfQTLeSzx2pJGI0CbmaOLA6WJZndlain", "2pAXenE//W5AdeGdZP4E0ihjIkf59REb\nU7P+gtxR6E0KgYseKwHgnrQ0xebV3BzXVk0AwKSHpP0/tT9xD9b+j42zeJftKbD5\n-----END RSA PRIVATE KEY-----"], fp: Some(("config/settings.txt", "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----")) },
    V { rule: "pkcs12-file", path: Some("certs/client.p12"), tp: &["binary"], fp: Some(("certs/client.pem", "binary")) },
    V { rule: "jwt", path: None, tp: &["Authorization: Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIi", "wibmFtZSI6IkpvaG4ifQ.Yv7lOTWXoECTjZixgy3AQbuRojneTuVaTcJmQ3h8yEM"], fp: Some(("config/settings.txt", "eyJhbGciOiJub25lIn0")) },
    V { rule: "basic-auth-url", path: None, tp: &["DATABASE_U", "RL=postgres://app:wRbtGL7RTQIvEtea@db.internal:5432/app"], fp: Some(("config/settings.txt", "DATABASE_URL=postgres://app:${DB_PASSWORD}@db.internal/app")) },
    V { rule: "curl-auth-user", path: None, tp: &["curl -u admin:qYGbdc99nkvCOB https://api.ex", "ample.com"], fp: Some(("config/settings.txt", "curl -u \"$USER:$PASS\" https://x")) },
    V { rule: "curl-auth-header", path: None, tp: &["curl -H \"Authorization: Bearer E5bovnbaVFU1cTT1", "RsMKenqZR0OcaUFR\" https://api.example.com"], fp: Some(("config/settings.txt", "curl -H \"Authorization: Bearer $TOKEN\" https://x")) },
    V { rule: "kubernetes-secret-yaml", path: None, tp: &["apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  password: eCllvsFzdFXBXxzYx8C6T", "r2uIJe6Xo82pXUqV0mo=="], fp: Some(("config/settings.txt", "kind: Secret\ndata:\n  password: \"\"")) },
    V { rule: "dropbox-api-token", path: None, tp: &["DROPBOX_APP_KEY=q7Zp2Lx", "9Vw4RtKb"], fp: Some(("config/settings.txt", "DROPBOX_APP_KEY=aaaaaaaaaaaaaaa")) },
    V { rule: "finicity-api-token", path: None, tp: &["FINICITY_APP_KEY=4e7b1c9a2d6f03e8", "b5a1c7d9e2f4b680"], fp: Some(("config/settings.txt", "FINICITY_APP_KEY=00000000000000000000000000000000")) },
    V { rule: "flickr-access-token", path: None, tp: &["FLICKR_API_KEY=Xk8dLq2Vn7Rt5Wz9", "Bc4Hm6Jp3Ys1Fg0A"], fp: Some(("config/settings.txt", "FLICKR_API_KEY=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")) },
    V { rule: "generic-api-key", path: None, tp: &["db_password = \"B0YAgYJEIP", "NpUdVaaxg6\""], fp: Some(("config/settings.txt", "password = \"changeme_please\"")) },
    V { rule: "aws-amazon-bedrock-api-key-short-lived", path: None, tp: &["BEDROCK=bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t", "Lz9BY3Rpb249Q2FsbFdpdGhCZWFyZXJUb2tlbiZYLUFtei1GYWtl"], fp: Some(("config/settings.txt", "BEDROCK=bedrock-api-key-")) },
    V { rule: "facebook-access-token", path: None, tp: &["curl https://graph.facebook.com/me?access_token=1234567890123456|qT7vRk2mZx9LpW4", "sNb6YhJc3Fd8GeA1"], fp: Some(("config/settings.txt", "access_token=1234567890123456|aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")) },
    V { rule: "facebook-secret", path: None, tp: &["facebook_app_secret = \"9f3c1a7be02d48e6", "a5c2f1b7d9e04a68\""], fp: Some(("config/settings.txt", "facebook_app_secret = \"00000000000000000000000000000000\"")) },
    V { rule: "discord-client-secret", path: None, tp: &["DISCORD_CLIENT_SECRET=Zq8xT", "n3Lw-P5vKb2Rm7Yh_J4sC9dGf6E"], fp: Some(("config/settings.txt", "DISCORD_CLIENT_SECRET=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")) },
    V { rule: "dropbox-long-lived-api-token", path: None, tp: &["dropbox_token = 'Xk8dLq2Vn7RAAAAAAAAAAt5Wz9Bc4Hm6", "Jp3Ys1Fg0AeDuQzR7pT2kW9nC4vB6mX1'"], fp: Some(("config/settings.txt", "dropbox_token = 'short'")) },
    V { rule: "easypost-test-api-token", path: None, tp: &["EASYPOST=EZTKXk8dLq2Vn7Rt5Wz9Bc4H", "m6Jp3Ys1Fg0AeDuQzR7pT2kW9nC4vB6mX1"], fp: Some(("config/settings.txt", "EASYPOST=EZTKaaaa")) },
    V { rule: "flutterwave-encryption-key", path: None, tp: &["FLW_ENCRYPTION_KEY=FL", "WSECK_TEST9c4e1a7b3d2f"], fp: Some(("config/settings.txt", "FLW_ENCRYPTION_KEY=FLWSECK_TEST")) },
    V { rule: "gitlab-feature-flag-client-token", path: None, tp: &["UNLEASH_TOKEN=glffct", "-Xk8dLq2Vn7Rt5Wz9Bc4H"], fp: Some(("config/settings.txt", "UNLEASH_TOKEN=glffct-short")) },
    V { rule: "gitlab-incoming-mail-token", path: None, tp: &["token: glimt-Xk8dLq2Vn", "7Rt5Wz9Bc4Hm6Jp3"], fp: Some(("config/settings.txt", "token: glimt-short")) },
    V { rule: "gitlab-kubernetes-agent-token", path: None, tp: &["--set config.token=glagent-Xk8dLq2Vn7Rt5W", "z9Bc4Hm6Jp3Ys1Fg0AeDuQzR7pT2kW9nC4vB"], fp: Some(("config/settings.txt", "--set config.token=glagent-short")) },
    V { rule: "gitlab-runner-authentication-token-routable", path: None, tp: &["token = \"glrt-t1_Xk8dLq2Vn7Rt5Wz", "9Bc4Hm6Jp3Ys1F.01a2b3c4d\""], fp: Some(("config/settings.txt", "# a runner token looks like glrt-t1_short.01a2b3c4d but longer")) },
    V { rule: "hashicorp-tf-password", path: Some("infra/main.tf"), tp: &["  administrator_", "login_password = \"Hq7Zp2Lx9Vw4\""], fp: Some(("infra/main.tf", "  administrator_login_password = var.db_password")) },
    V { rule: "jfrog-api-key", path: None, tp: &["JFROG_API_KEY=Xk8dLq2Vn7Rt5Wz9Bc4Hm6Jp3Ys1F", "g0AeDuQzR7pT2kW9nC4vB6mX1hJ8sL5qN3wE7yU0iO2p"], fp: Some(("config/settings.txt", "JFROG_API_KEY=short")) },
    V { rule: "linear-client-secret", path: None, tp: &["LINEAR_CLIENT_SECRET=4e7b1", "c9a2d6f03e8b5a1c7d9e2f4b680"], fp: Some(("config/settings.txt", "LINEAR_CLIENT_SECRET=00000000000000000000000000000000")) },
    V { rule: "mailgun-signing-key", path: None, tp: &["MAILGUN_SIGNING_KEY=4e7b1c9a2d6f03e", "8b5a1c7d9e2f4b680-1a2b3c4d-5e6f7a8b"], fp: Some(("config/settings.txt", "MAILGUN_SIGNING_KEY=key-here")) },
    V { rule: "nuget-config-password", path: None, tp: &["<add key=\"ClearTex", "tPassword\" value=\"Hq7Zp2Lx9Vw4Rt\" />"], fp: Some(("config/settings.txt", "<add key=\"Username\" value=\"builduser\" />")) },
    V { rule: "plaid-api-token", path: None, tp: &["PLAID_ACCESS_TOKEN=access-sandbox-4", "e7b1c9a-2d6f-03e8-b5a1-c7d9e2f4b680"], fp: Some(("config/settings.txt", "PLAID_ACCESS_TOKEN=access-sandbox-token")) },
    V { rule: "planetscale-oauth-token", path: None, tp: &["PSCALE=pscale_oauth_Xk8dLq", "2Vn7Rt5Wz9Bc4Hm6Jp3Ys1Fg0Ae"], fp: Some(("config/settings.txt", "PSCALE=pscale_oauth_short")) },
    V { rule: "sendbird-access-token", path: None, tp: &["SENDBIRD_API_TOKEN=4e7b1c9a2d", "6f03e8b5a1c7d9e2f4b6801a2b3c4d"], fp: Some(("config/settings.txt", "SENDBIRD_API_TOKEN=0000000000000000000000000000000000000000")) },
    V { rule: "sentry-access-token", path: None, tp: &["SENTRY_AUTH_TOKEN=4e7b1c9a2d6f03e8b5a1c7d", "9e2f4b6801a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d"], fp: Some(("config/settings.txt", "SENTRY_AUTH_TOKEN=0000000000000000000000000000000000000000000000000000000000000000")) },
    V { rule: "settlemint-application-access-token", path: None, tp: &["SETTLEMINT_TOKEN=sm_", "aat_Xk8dLq2Vn7Rt5Wz9"], fp: Some(("config/settings.txt", "SETTLEMINT_TOKEN=sm_aat_short")) },
    V { rule: "settlemint-service-access-token", path: None, tp: &["SETTLEMINT_TOKEN=sm_", "sat_Xk8dLq2Vn7Rt5Wz9"], fp: Some(("config/settings.txt", "SETTLEMINT_TOKEN=sm_sat_short")) },
    V { rule: "sidekiq-sensitive-url", path: None, tp: &["source \"https://4e7b1c9a:2d6f03e8@gems.contr", "ibsys.com/\" do"], fp: Some(("config/settings.txt", "source \"https://gems.contribsys.com/\" do")) },
    V { rule: "slack-legacy-bot-token", path: None, tp: &["SLACK=xoxb-123456789012-", "Xk8dLq2Vn7Rt5Wz9Bc4Hm6Jp"], fp: Some(("config/settings.txt", "SLACK=xoxb-123456789012-short")) },
    V { rule: "slack-legacy-workspace-token", path: None, tp: &["SLACK=xoxa-2-Xk8dL", "q2Vn7Rt5Wz9Bc4Hm6Jp"], fp: Some(("config/settings.txt", "SLACK=xoxa-short")) },
    V { rule: "twitter-access-token", path: None, tp: &["TWITTER_ACCESS_TOKEN=12345678901234", "56789-Xk8dLq2Vn7Rt5Wz9Bc4Hm6Jp3Ys1Fg"], fp: Some(("config/settings.txt", "TWITTER_ACCESS_TOKEN=1234567890123456789-xxxx")) },
    V { rule: "twitter-access-secret", path: None, tp: &["TWITTER_ACCESS_SECRET=Xk8dLq2Vn7R", "t5Wz9Bc4Hm6Jp3Ys1Fg0AeDuQzR7pT2kW9"], fp: Some(("config/settings.txt", "TWITTER_ACCESS_SECRET=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")) },
    V { rule: "twitter-api-key", path: None, tp: &["TWITTER_API_KEY=Xk8d", "Lq2Vn7Rt5Wz9Bc4Hm6Jp3"], fp: Some(("config/settings.txt", "TWITTER_API_KEY=aaaaaaaaaaaaaaaaaaaaaaaaa")) },
];

fn detector() -> Detector {
    Detector::new(vigil_secrets::builtin::config().unwrap_or_else(|e| panic!("{e}")), Options::default())
}

fn scan(detector: &Detector, path: &str, text: &str) -> Vec<Finding> {
    let origin = Origin { path: path.into(), ..Origin::default() };
    detector.detect(Fragment { bytes: text.as_bytes(), origin: &origin })
}

#[test]
fn the_rules_load_with_unique_ids_and_keywords() {
    let config = vigil_secrets::builtin::config().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.rules.len(), RULES);
    let mut ids = HashSet::new();
    for rule in &config.rules {
        assert!(ids.insert(rule.id.clone()), "{} twice", rule.id);
        assert_eq!(rule.id, format!("secret/{}", rule.gitleaks_id));
        assert!(!rule.description.is_empty(), "{}", rule.id);
        assert!(
            rule.gitleaks_id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "{} is not kebab-case",
            rule.id
        );
        if PATH_ONLY.contains(&rule.id.as_str()) {
            assert!(rule.regex.is_none() && rule.path.is_some(), "{}", rule.id);
        } else {
            assert!(rule.regex.is_some(), "{} has no regex", rule.id);
            assert!(!rule.keywords.is_empty(), "{} has no keywords", rule.id);
        }
        for k in &rule.keywords {
            assert_eq!(k, &k.to_lowercase(), "{}: keyword {k:?} not lower case", rule.id);
        }
    }
    assert!(!config.allowlists.is_empty());
}

#[test]
fn the_table_covers_every_rule_once() {
    let config = vigil_secrets::builtin::config().unwrap();
    let rules: BTreeSet<&str> = config.rules.iter().map(|r| r.gitleaks_id.as_str()).collect();
    let table: BTreeSet<&str> = VECTORS.iter().map(|v| v.rule).collect();
    assert_eq!(VECTORS.len(), RULES, "a rule listed twice in the table");
    let untested: Vec<_> = rules.difference(&table).collect();
    let unknown: Vec<_> = table.difference(&rules).collect();
    assert!(untested.is_empty(), "rules without vectors: {untested:?}");
    assert!(unknown.is_empty(), "vectors for no rule: {unknown:?}");
}

/// Every way a finding is shown with redaction on.
fn shown_redacted(f: &Finding) -> String {
    let stats = vigil_secrets::scan::Stats::default();
    [
        f.redacted_secret(),
        f.redacted_match(),
        report::finding_json(f, Reveal::Redacted).to_string(),
        report::table_line(f, Reveal::Redacted),
        report::to_sarif(std::slice::from_ref(f), &stats, "0", Reveal::Redacted).to_string(),
    ]
    .join("\n")
}

#[test]
fn every_rule_finds_its_true_positive_and_not_its_false_positive() {
    let detector = detector();
    let mut missed = Vec::new();
    let mut extra = Vec::new();
    let mut noisy = Vec::new();
    for v in VECTORS {
        let rule = format!("secret/{}", v.rule);
        let path = v.path.unwrap_or("config/settings.txt");
        let tp = v.tp.concat();
        let found = scan(&detector, path, &tp);
        if !found.iter().any(|f| f.rule == rule) {
            missed.push(rule.clone());
        }
        let allowed: BTreeSet<String> = std::iter::once(rule.clone())
            .chain(OVERLAPS.iter().filter(|(r, _)| *r == v.rule).map(|(_, o)| format!("secret/{o}")))
            .collect();
        let by: BTreeSet<String> = found.iter().map(|f| f.rule.clone()).collect();
        if by != allowed && !by.is_empty() {
            extra.push(format!("{rule}: {by:?}"));
        }
        let (fp_path, fp) = v.fp.unwrap();
        let fp_found: BTreeSet<String> = scan(&detector, fp_path, fp).iter().map(|f| f.rule.clone()).collect();
        if !fp_found.is_empty() {
            noisy.push(format!("{rule}: {fp_found:?}"));
        }
    }
    assert!(missed.is_empty(), "true positives not found: {missed:?}");
    assert!(extra.is_empty(), "true positives found by other rules than the one (and its listed overlaps): {extra:?}");
    assert!(noisy.is_empty(), "false positives found: {noisy:?}");
}

#[test]
fn no_redacted_output_shows_a_table_secret_in_full() {
    let detector = detector();
    let mut findings = 0;
    let mut leaked = Vec::new();
    for v in VECTORS {
        let tp = v.tp.concat();
        for f in scan(&detector, v.path.unwrap_or("config/settings.txt"), &tp) {
            findings += 1;
            let shown = shown_redacted(&f);
            // The finding's own secret, and the table's value where it is the secret (the
            // second piece alone is never a whole secret: it is shown only in part).
            if f.secret.chars().count() > 4 && shown.contains(&f.secret) {
                leaked.push(f.rule.clone());
            }
            if f.secret.chars().count() > 4 && shown.contains(tp.as_str()) && tp.contains(&f.secret) {
                leaked.push(format!("{} (whole vector)", f.rule));
            }
        }
    }
    // Every rule's true positive gives at least its own finding.
    assert!(findings >= VECTORS.len(), "{findings} findings");
    assert!(leaked.is_empty(), "a redacted finding shows its secret: {leaked:?}");
}

#[test]
fn every_gitleaks_rule_id_has_a_vigil_rule_but_the_documented_ones() {
    let Some(root) = vigil_testkit::require_corpus("secrets/gitleaks") else { return };
    let gitleaks = vigil_secrets::config::Config::load(&root.join("config/gitleaks.toml")).unwrap();
    assert_eq!(gitleaks.rules.len(), 222);
    let ours: BTreeSet<String> =
        vigil_secrets::builtin::config().unwrap().rules.into_iter().map(|r| r.gitleaks_id).collect();
    let theirs: BTreeSet<String> = gitleaks.rules.into_iter().map(|r| r.gitleaks_id).collect();
    let missing: Vec<&str> = theirs.difference(&ours).map(String::as_str).collect();
    assert_eq!(missing, NOT_IN_VIGIL);
    assert_eq!(theirs.intersection(&ours).count(), 205);
    let own: Vec<&str> = ours.difference(&theirs).map(String::as_str).collect();
    assert_eq!(own, NOT_IN_GITLEAKS);
    assert_eq!(own.len(), RULES - 205);
}

/// The cells of a Markdown table row (`\|` is a pipe inside a cell).
fn cells(row: &str) -> Vec<String> {
    let inner = row.trim().trim_start_matches('|').trim_end_matches('|');
    let mut out = vec![String::new()];
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                out.last_mut().unwrap().push('|');
                chars.next();
            }
            '|' => out.push(String::new()),
            c => out.last_mut().unwrap().push(c),
        }
    }
    out.into_iter().map(|c| c.trim().to_owned()).collect()
}

#[test]
fn the_rules_document_has_a_row_per_rule_with_its_entropy_and_keywords() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/secrets-rules.md")).unwrap();
    let config = vigil_secrets::builtin::config().unwrap();
    let rows: BTreeMap<String, Vec<String>> = doc
        .lines()
        .filter(|l| l.starts_with("| `secret/"))
        .map(|l| {
            let c = cells(l);
            (c[0].trim_matches('`').to_owned(), c)
        })
        .collect();
    assert_eq!(rows.len(), RULES, "rows (a rule documented twice, or a row too many)");
    let mut wrong = Vec::new();
    for rule in &config.rules {
        let Some(row) = rows.get(&rule.id) else {
            wrong.push(format!("{}: no row", rule.id));
            continue;
        };
        assert_eq!(row.len(), 6, "{}: {row:?}", rule.id);
        let entropy = rule.entropy.map_or("—".to_owned(), |e| e.to_string());
        let keywords = if rule.keywords.is_empty() {
            "— (path only)".to_owned()
        } else {
            rule.keywords.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
        };
        let gitleaks = if NOT_IN_GITLEAKS.contains(&rule.gitleaks_id.as_str()) {
            "— (vigil only)".to_owned()
        } else {
            format!("`{}`", rule.gitleaks_id)
        };
        if row[3] != gitleaks || row[4] != entropy || row[5] != keywords {
            wrong.push(format!("{}: {:?} (rules file: {gitleaks}, {entropy}, {keywords})", rule.id, &row[3..]));
        }
    }
    assert!(wrong.is_empty(), "docs/secrets-rules.md differs from the rules file: {wrong:#?}");
    for id in NOT_IN_VIGIL {
        assert!(doc.contains(&format!("`{id}`")), "docs/secrets-rules.md does not name {id}");
    }
}

/// gitleaks' literal true and false positives (`rule-vectors-literal.json`, taken from its rule
/// generators), each scanned with the vigil rule of the same id alone (and vigil's global
/// allowlist).
#[test]
fn gitleaks_literal_vectors_with_the_vigil_rule_of_the_same_id() {
    let Some(root) = vigil_testkit::require_corpus("secrets/gitleaks") else { return };
    let config = vigil_secrets::builtin::config().unwrap();
    let text = std::fs::read_to_string(root.join("rule-vectors-literal.json")).unwrap();
    let vectors: serde_json::Value = serde_json::from_str(&text).unwrap();
    let (mut tps, mut tps_found, mut fps, mut fps_quiet) = (0, 0, 0, 0);
    let mut no_rule = Vec::new();
    let mut missed = Vec::new();
    let mut noisy = Vec::new();
    for (id, v) in vectors.as_object().unwrap() {
        let Some(rule) = config.rules.iter().find(|r| r.gitleaks_id == *id) else {
            no_rule.push(id.as_str());
            continue;
        };
        let alone = Detector::new(
            vigil_secrets::config::Config {
                title: None,
                rules: vec![rule.clone()],
                allowlists: config.allowlists.clone(),
            },
            Options::default(),
        );
        for tp in v["tps"].as_array().unwrap() {
            tps += 1;
            if scan(&alone, "test.txt", tp.as_str().unwrap()).is_empty() {
                missed.push(id.as_str());
            } else {
                tps_found += 1;
            }
        }
        for fp in v["fps"].as_array().unwrap() {
            fps += 1;
            if scan(&alone, "test.txt", fp.as_str().unwrap()).is_empty() {
                fps_quiet += 1;
            } else {
                noisy.push(id.as_str());
            }
        }
    }
    // The 17 ids vigil has no rule for, and trello-access-token (in the vectors, not in
    // gitleaks.toml); their vectors: 9 false positives (discord-client-id 1, sumologic-access-id 8).
    assert_eq!(no_rule.len(), NOT_IN_VIGIL.len() + 1, "{no_rule:?}");
    assert!(no_rule.contains(&"trello-access-token"));
    assert_eq!((tps, fps), (31, 128));
    // gitleaks' `gcp-service-account` (not in its default configuration) reports the
    // `"type": "service_account"` line alone; vigil's reports a service-account JSON with its
    // private key.
    assert_eq!(missed, ["gcp-service-account"]);
    assert_eq!(tps_found, 30);
    assert_eq!(fps_quiet, fps, "false positives reported by: {noisy:?}");
}

/// Every pattern of the rules file (rule regexes and paths, allowlist regexes and paths), as
/// written, for Go.
fn all_patterns() -> Vec<(String, String)> {
    let value: toml::Value = toml::from_str(vigil_secrets::builtin::RULES_TOML).unwrap();
    let mut out = Vec::new();
    let mut allowlist = |owner: &str, a: &toml::Value| {
        for key in ["regexes", "paths"] {
            for p in a.get(key).and_then(toml::Value::as_array).into_iter().flatten() {
                out.push((format!("{owner} allowlist {key}"), p.as_str().unwrap().to_owned()));
            }
        }
    };
    if let Some(a) = value.get("allowlist") {
        allowlist("global", a);
    }
    let rules = value.get("rules").and_then(toml::Value::as_array).unwrap();
    for rule in rules {
        let id = rule["id"].as_str().unwrap();
        for a in rule.get("allowlists").and_then(toml::Value::as_array).into_iter().flatten() {
            allowlist(id, a);
        }
    }
    for rule in rules {
        let id = rule["id"].as_str().unwrap();
        for key in ["regex", "path"] {
            if let Some(p) = rule.get(key) {
                out.push((format!("{id} {key}"), p.as_str().unwrap().to_owned()));
            }
        }
    }
    out
}

const GO_CHECK: &str = r#"package main

import (
	"encoding/json"
	"os"
	"regexp"
)

type Case struct {
	Pattern string `json:"pattern"`
	Group   int    `json:"group"`
	Text    string `json:"text"`
}

type Input struct {
	Patterns []string `json:"patterns"`
	Cases    []Case   `json:"cases"`
}

type Output struct {
	Errors  []string  `json:"errors"`
	Secrets []*string `json:"secrets"`
}

func main() {
	var in Input
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		panic(err)
	}
	out := Output{Errors: make([]string, len(in.Patterns)), Secrets: make([]*string, len(in.Cases))}
	for i, p := range in.Patterns {
		if _, err := regexp.Compile(p); err != nil {
			out.Errors[i] = err.Error()
		}
	}
	for i, c := range in.Cases {
		re, err := regexp.Compile(c.Pattern)
		if err != nil {
			continue
		}
		m := re.FindStringSubmatch(c.Text)
		if m == nil {
			continue
		}
		secret := m[0]
		if c.Group > 0 && c.Group < len(m) {
			secret = m[c.Group]
		} else if c.Group == 0 {
			for _, g := range m[1:] {
				if g != "" {
					secret = g
					break
				}
			}
		}
		out.Secrets[i] = &secret
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		panic(err)
	}
}
"#;

/// The secret a rule's regex takes from `text` in Rust (gitleaks' rule: the secret group, else
/// the first non-empty group, else the match).
fn rust_secret(rule: &vigil_secrets::rule::Rule, text: &str) -> Option<String> {
    let caps = rule.regex.as_ref()?.captures(text.as_bytes())?;
    let whole = caps.get(0)?;
    let m = match rule.secret_group {
        Some(g) => caps.get(g).unwrap_or(whole),
        None => caps.iter().skip(1).flatten().find(|m| !m.is_empty()).unwrap_or(whole),
    };
    Some(String::from_utf8_lossy(m.as_bytes()).into_owned())
}

#[test]
fn every_pattern_compiles_in_go_re2_and_takes_the_same_secret_there() {
    let Some(go) = vigil_testkit::require_tool("go") else { return };
    let config = vigil_secrets::builtin::config().unwrap();
    let patterns = all_patterns();
    // 217 rule regexes, 1 rule path, and the allowlists'.
    assert_eq!(patterns.iter().filter(|(w, _)| w.ends_with(" regex")).count(), RULES - PATH_ONLY.len());
    let mut cases = Vec::new();
    let mut expected = Vec::new();
    for v in VECTORS {
        let rule = config.rules.iter().find(|r| r.gitleaks_id == v.rule).unwrap();
        let (Some(source), Some(_)) = (&rule.regex_source, &rule.regex) else { continue };
        let tp = v.tp.concat();
        let secret = rust_secret(rule, &tp).unwrap_or_else(|| panic!("{}: the regex alone misses its vector", v.rule));
        cases.push(serde_json::json!({
            "pattern": source,
            "group": rule.secret_group.unwrap_or(0),
            "text": tp,
        }));
        expected.push((v.rule, secret));
    }
    assert_eq!(cases.len(), RULES - PATH_ONLY.len());
    let input = serde_json::json!({
        "patterns": patterns.iter().map(|(_, p)| p).collect::<Vec<_>>(),
        "cases": cases,
    });
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("check.go"), GO_CHECK).unwrap();
    let mut child = Command::new(go)
        .args(["run", "check.go"])
        .current_dir(dir.path())
        .env("GO111MODULE", "off")
        .env("GOPROXY", "off")
        .env("GOCACHE", dir.path().join("cache"))
        .env("GOPATH", dir.path().join("gopath"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let body = input.to_string();
    let writer = std::thread::spawn(move || stdin.write_all(body.as_bytes()));
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(output.status.success(), "go run: {}", String::from_utf8_lossy(&output.stderr));
    let out: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let errors: Vec<String> = out["errors"]
        .as_array()
        .unwrap()
        .iter()
        .zip(&patterns)
        .filter(|(e, _)| e.as_str().is_some_and(|e| !e.is_empty()))
        .map(|(e, (what, _))| format!("{what}: {e}"))
        .collect();
    assert!(errors.is_empty(), "patterns Go's regexp refuses: {errors:?}");
    let secrets = out["secrets"].as_array().unwrap();
    assert_eq!(secrets.len(), expected.len());
    let mut differ = BTreeMap::new();
    for (got, (rule, want)) in secrets.iter().zip(&expected) {
        match got.as_str() {
            Some(g) if g == want => {}
            // Named only, redacted: the values are credential-shaped.
            Some(g) => {
                differ.insert(
                    *rule,
                    format!(
                        "Go takes {}, Rust {}",
                        vigil_secrets::finding::redact(g),
                        vigil_secrets::finding::redact(want)
                    ),
                );
            }
            None => {
                differ.insert(*rule, "Go finds no match".to_owned());
            }
        }
    }
    assert!(differ.is_empty(), "Go RE2 and Rust disagree: {differ:?}");
}

#[test]
fn the_fixed_fake_keys_other_tests_use_are_found() {
    let detector = detector();
    let aws = format!("AKIA{}", "QYLPMN5HHHFPZAM2");
    let found = scan(&detector, "deploy/app.env", &format!("AWS_ACCESS_KEY_ID={aws}\n"));
    let f = found.iter().find(|f| f.rule == "secret/aws-access-token").expect("aws-access-token");
    assert_eq!(f.secret, aws);
    assert_eq!(f.gitleaks_id, "aws-access-token");
    let gh = format!("ghp_{}{}", "Xk8dLq2Vn7Rt5Wz9Bc4H", "m6Jp3Ys1Fg0AeDuQ");
    let found = scan(&detector, "src/main.rs", &format!("let token = \"{gh}\";\n"));
    let f = found.iter().find(|f| f.rule == "secret/github-pat").expect("github-pat");
    assert_eq!(f.secret, gh);
    assert_eq!(f.gitleaks_id, "github-pat");
}

#[test]
fn placeholders_and_lock_files_are_allowed() {
    let detector = detector();
    assert!(scan(&detector, "app.env", "DB_PASSWORD=${DB_PASSWORD}\n").is_empty());
    assert!(scan(&detector, "app.env", "api_key = \"<your-api-key-here>\"\n").is_empty());
    assert!(scan(&detector, "app.env", "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n").is_empty());
    assert!(detector.path_allowed("web/package-lock.json"));
    assert!(detector.path_allowed("vendor/github.com/x/y.go"));
    assert!(!detector.path_allowed("src/config.rs"));
}

#[test]
fn a_base64_wrapped_jwt_is_found_by_the_jwt_rule_through_decoding() {
    use base64::Engine as _;
    // gitleaks has a separate `jwt-base64` rule; vigil decodes base64 segments and applies `jwt`.
    let jwt = [
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
        ".eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ",
        ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
    ]
    .concat();
    let wrapped = base64::engine::general_purpose::STANDARD.encode(jwt.as_bytes());
    let found = scan(&detector(), "deploy/values.yaml", &format!("token: {wrapped}\n"));
    let f = found.iter().find(|f| f.rule == "secret/jwt").expect("jwt in base64");
    assert_eq!(f.secret, jwt);
    assert_eq!(f.decoded, vec!["base64".to_string()]);
    assert_eq!(f.start_line, 1);
}
