//! On-device sentence embeddings: all-MiniLM-L6-v2 (Apache-2.0) run in pure Rust with candle.
//!
//! A text becomes a unit vector of [`DIM`] numbers; two texts that mean the same have vectors
//! pointing the same way (cosine near 1) even when they share no word, which is what lets
//! "mixed files" find "accounts that are not mine".
//!
//! The model's files are not part of the program: `make deps` unpacks them from a registry
//! package and [`Model::load`] refuses any file whose SHA-256 is not the one pinned here.

use std::path::{Path, PathBuf};

use candle_core::{DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use sha2::{Digest, Sha256};
use tokenizers::{PaddingParams, PaddingStrategy, Tokenizer, TruncationParams};

/// The model's name, as stored beside each embedding.
pub const MODEL_NAME: &str = "all-MiniLM-L6-v2";

/// Numbers per embedding.
pub const DIM: usize = 384;

/// The longest input the model reads, in word pieces; the rest of a long text is left out,
/// as the model was trained.
pub const MAX_TOKENS: usize = 256;

/// The model's files and the SHA-256 each must have.
pub const FILES: [(&str, &str); 3] = [
    (
        "model.safetensors",
        "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    ),
    (
        "tokenizer.json",
        "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    ),
    (
        "config.json",
        "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
    ),
];

/// Why the model cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    #[error(
        "the language model is not installed (no {file} in {dir}); run `make deps` or set CHAIR_MODEL_DIR. Ranking uses words alone until it is"
    )]
    Missing { dir: PathBuf, file: &'static str },
    #[error(
        "the language model file {file} is not the expected one (its SHA-256 is {found}); reinstall it with `make deps`. Ranking uses words alone until it is"
    )]
    Checksum { file: &'static str, found: String },
    #[error("the language model could not run: {0}")]
    Model(String),
}

impl From<candle_core::Error> for EmbedError {
    fn from(e: candle_core::Error) -> Self {
        EmbedError::Model(e.to_string())
    }
}

/// Where the model's files are looked for, first found wins: `CHAIR_MODEL_DIR`; the user's
/// data folder (`~/.local/share/empty-chair/models/all-MiniLM-L6-v2`); the folder `make deps`
/// fills in a checkout.
pub fn model_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(d) = std::env::var_os("CHAIR_MODEL_DIR") {
        dirs.push(PathBuf::from(d));
        return dirs;
    }
    let data = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")));
    if let Some(data) = data {
        dirs.push(data.join("empty-chair/models").join(MODEL_NAME));
    }
    dirs.push(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../.tools/models")
            .join(MODEL_NAME),
    );
    dirs
}

/// The first of [`model_dirs`] that holds the model's weights, or the first place looked.
pub fn find_model_dir() -> PathBuf {
    let dirs = model_dirs();
    dirs.iter()
        .find(|d| d.join(FILES[0].0).is_file())
        .unwrap_or(&dirs[0])
        .clone()
}

/// Reads `dir/file` and checks its SHA-256 against `want`.
fn checked(dir: &Path, file: &'static str, want: &str) -> Result<Vec<u8>, EmbedError> {
    let bytes = std::fs::read(dir.join(file)).map_err(|_| EmbedError::Missing {
        dir: dir.to_path_buf(),
        file,
    })?;
    let found = hex(&Sha256::digest(&bytes));
    if found != want {
        return Err(EmbedError::Checksum { file, found });
    }
    Ok(bytes)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The loaded model. Embedding is CPU work: call it off any thread that must stay responsive.
pub struct Model {
    bert: BertModel,
    tokenizer: Tokenizer,
    device: Device,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(MODEL_NAME)
    }
}

impl Model {
    /// Loads the model from `dir` after checking every file's SHA-256.
    pub fn load(dir: &Path) -> Result<Model, EmbedError> {
        let [weights, tokenizer, config] = FILES;
        let config: Config = serde_json::from_slice(&checked(dir, config.0, config.1)?)
            .map_err(|e| EmbedError::Model(format!("config.json: {e}")))?;
        let mut tokenizer = Tokenizer::from_bytes(checked(dir, tokenizer.0, tokenizer.1)?)
            .map_err(|e| EmbedError::Model(format!("tokenizer.json: {e}")))?;
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: MAX_TOKENS,
                ..TruncationParams::default()
            }))
            .map_err(|e| EmbedError::Model(e.to_string()))?;
        tokenizer.with_padding(Some(PaddingParams {
            strategy: PaddingStrategy::BatchLongest,
            ..PaddingParams::default()
        }));
        let device = Device::Cpu;
        let vb = VarBuilder::from_buffered_safetensors(
            checked(dir, weights.0, weights.1)?,
            DType::F32,
            &device,
        )?;
        let bert = BertModel::load(vb, &config)?;
        Ok(Model {
            bert,
            tokenizer,
            device,
        })
    }

    /// Loads the model from the first place [`model_dirs`] names that holds it.
    pub fn locate() -> Result<Model, EmbedError> {
        Model::load(&find_model_dir())
    }

    /// The embeddings of `texts`, in order: the mean of the last layer over each text's word
    /// pieces, scaled to length 1. An empty text gets the embedding of nothing but the
    /// model's start and end markers.
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let encodings = self
            .tokenizer
            .encode_batch(texts.to_vec(), true)
            .map_err(|e| EmbedError::Model(e.to_string()))?;
        let rows = encodings.len();
        let width = encodings.first().map_or(0, |e| e.get_ids().len());
        let flat = |f: &dyn Fn(&tokenizers::Encoding) -> &[u32]| -> Vec<u32> {
            encodings.iter().flat_map(|e| f(e).to_vec()).collect()
        };
        let ids = Tensor::from_vec(flat(&|e| e.get_ids()), (rows, width), &self.device)?;
        let types = Tensor::from_vec(flat(&|e| e.get_type_ids()), (rows, width), &self.device)?;
        let mask = Tensor::from_vec(
            flat(&|e| e.get_attention_mask()),
            (rows, width),
            &self.device,
        )?;
        let out = self.bert.forward(&ids, &types, Some(&mask))?;
        let mask = mask.to_dtype(DType::F32)?.unsqueeze(2)?;
        let summed = out.broadcast_mul(&mask)?.sum(1)?;
        let counts = mask.sum(1)?.clamp(1e-9, f64::MAX)?;
        let mean = summed.broadcast_div(&counts)?;
        let norm = mean.sqr()?.sum_keepdim(1)?.sqrt()?.clamp(1e-12, f64::MAX)?;
        Ok(mean.broadcast_div(&norm)?.to_vec2::<f32>()?)
    }
}

impl chair_core::relevance::dense::Embedder for Model {
    fn name(&self) -> &str {
        MODEL_NAME
    }

    fn dim(&self) -> usize {
        DIM
    }

    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, String> {
        Model::embed(self, texts).map_err(|e| e.to_string())
    }
}

/// The model in `dir`, loaded (and its files checked) on its first use, so that a process that
/// never needs a vector never pays for loading it. A model that cannot load says why on every
/// use.
#[derive(Debug)]
pub struct LazyModel {
    dir: PathBuf,
    model: std::sync::OnceLock<Result<Model, String>>,
}

impl LazyModel {
    pub fn new(dir: PathBuf) -> LazyModel {
        LazyModel {
            dir,
            model: std::sync::OnceLock::new(),
        }
    }

    /// The model of the first place [`model_dirs`] names that holds it; `None` when none does.
    pub fn installed() -> Option<LazyModel> {
        let dir = find_model_dir();
        dir.join(FILES[0].0).is_file().then(|| LazyModel::new(dir))
    }

    fn model(&self) -> Result<&Model, String> {
        self.model
            .get_or_init(|| Model::load(&self.dir).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(Clone::clone)
    }
}

impl chair_core::relevance::dense::Embedder for LazyModel {
    fn name(&self) -> &str {
        MODEL_NAME
    }

    fn dim(&self) -> usize {
        DIM
    }

    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, String> {
        self.model()?.embed(texts).map_err(|e| e.to_string())
    }
}

/// The cosine of two unit vectors.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> Option<Model> {
        match Model::locate() {
            Ok(m) => Some(m),
            Err(EmbedError::Missing { .. }) if std::env::var_os("CI").is_none() => None,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn texts_that_mean_the_same_are_closer_than_texts_that_share_words() {
        let Some(m) = model() else { return };
        let v = m
            .embed(&[
                "my card was charged twice for one purchase",
                "a duplicate payment was taken from my account",
                "my card arrived and I love the card design",
            ])
            .expect("embeds");
        assert_eq!(v.len(), 3);
        assert!(v.iter().all(|e| e.len() == DIM));
        let norm: f32 = v[0].iter().map(|x| x * x).sum();
        assert!((norm - 1.0).abs() < 1e-4, "unit length: {norm}");
        assert!(
            cosine(&v[0], &v[1]) > cosine(&v[0], &v[2]),
            "{} vs {}",
            cosine(&v[0], &v[1]),
            cosine(&v[0], &v[2])
        );
    }

    #[test]
    fn a_batch_gives_each_text_what_it_gets_alone() {
        let Some(m) = model() else { return };
        let long = "the bank closed my account without notice ".repeat(10);
        let both = m.embed(&["fee", &long]).expect("embeds");
        let alone = m.embed(&["fee"]).expect("embeds");
        assert!(
            cosine(&both[0], &alone[0]) > 0.9999,
            "padding changes nothing"
        );
    }

    #[test]
    fn a_model_file_with_the_wrong_checksum_is_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let source = find_model_dir();
        for (file, _) in FILES {
            let bytes = std::fs::read(source.join(file)).unwrap_or_default();
            std::fs::write(dir.path().join(file), bytes).expect("copy");
        }
        std::fs::write(dir.path().join("config.json"), b"{\"tampered\": true}").expect("write");
        let err = Model::load(dir.path()).expect_err("a changed file is refused");
        assert!(
            matches!(
                err,
                EmbedError::Checksum {
                    file: "config.json",
                    ..
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains("words alone"), "{err}");
        let empty = tempfile::tempdir().expect("temp dir");
        let err = Model::load(empty.path()).expect_err("no files");
        assert!(matches!(err, EmbedError::Missing { .. }), "{err}");
    }
}
