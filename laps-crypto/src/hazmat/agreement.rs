//! The key agreements of the public-key path: the shared secret `Z` (DH or ECDH), the one-block
//! concatenation KDF, and the public keys an encryptor publishes.

use crate::cng::{curve_len, left_pad, DhGroup, PublicKeyBlob, SecretAgreement};
use crate::kdf::{concat_kdf, ConcatHash};
use crate::{dh, ecmul, Error, Result};
use p256::elliptic_curve::ff::PrimeField;
use p256::elliptic_curve::sec1::ToEncodedPoint;
use zeroize::Zeroizing;

/// The concatenation-KDF hash for an agreement: SHA-256 for DH and P-256, SHA-384 for P-384.
pub(crate) fn concat_hash(agreement: SecretAgreement) -> ConcatHash {
    match agreement {
        SecretAgreement::EcdhP384 => ConcatHash::Sha384,
        _ => ConcatHash::Sha256,
    }
}

/// `S = H(00000001 ‖ Z ‖ OtherInfo)` for this agreement.
pub fn concat_kdf_output(agreement: SecretAgreement, shared_secret: &[u8]) -> Zeroizing<Vec<u8>> {
    concat_kdf(concat_hash(agreement), shared_secret)
}

/// The shared secret `Z` between a private key (big-endian bytes) and a peer public key blob:
/// DH → `y^x mod p` left-padded to `k` bytes; ECDH → the x-coordinate of `x·Q`.
/// Points are validated (on the curve, not the identity) by the `p256`/`p384` constructors;
/// the multiplication itself is `ecmul.rs` (Jacobian coordinates, 25 % faster than the crates').
pub fn shared_secret(private_key: &[u8], peer: &PublicKeyBlob) -> Result<Zeroizing<Vec<u8>>> {
    match peer {
        PublicKeyBlob::Dh { group, y } => dh::modexp(group, y, private_key),
        PublicKeyBlob::Ec { curve, x, y } => ecdh(*curve, private_key, x, y),
    }
}

macro_rules! ecdh_on {
    ($curve:ident, $private:expr, $sec1:expr) => {{
        // Both checks are the preconditions of `ecmul::mul_x`: 1 ≤ k < n, and a point of the
        // curve's prime-order group other than the identity.
        let sk = $curve::SecretKey::from_slice($private)
            .map_err(|_| Error::InvalidKey("ECDH private key out of range"))?;
        let pk = $curve::PublicKey::from_sec1_bytes($sec1)
            .map_err(|_| Error::InvalidKey("ECDH public key is not a point on the curve"))?;
        let point = pk.to_encoded_point(false);
        let coordinate = |c: Option<&$curve::FieldBytes>| {
            c.and_then(|c| Option::from($curve::FieldElement::from_repr(*c)))
        };
        let scalar = Zeroizing::new(sk.to_bytes());
        coordinate(point.x())
            .zip(coordinate(point.y()))
            .and_then(|(x, y)| ecmul::mul_x::<$curve::FieldElement>(x, y, &scalar))
            .map(|x| Zeroizing::new(x.to_repr().to_vec()))
            // Unreachable for the validated inputs above (prime order, 1 ≤ k < n), but typed.
            .ok_or(Error::InvalidKey("ECDH shared point is the identity"))
    }};
}

fn ecdh(
    curve: SecretAgreement,
    private_key: &[u8],
    x: &[u8],
    y: &[u8],
) -> Result<Zeroizing<Vec<u8>>> {
    let k = curve_len(curve);
    let mut sec1 = Vec::with_capacity(1 + 2 * k);
    sec1.push(4);
    sec1.extend_from_slice(&left_pad(x, k));
    sec1.extend_from_slice(&left_pad(y, k));
    match curve {
        SecretAgreement::EcdhP256 => ecdh_on!(p256, private_key, &sec1),
        SecretAgreement::EcdhP384 => ecdh_on!(p384, private_key, &sec1),
        SecretAgreement::Dh => Err(Error::UnsupportedAlgorithm("DH key used as ECDH".into())),
    }
}

macro_rules! ec_public_on {
    ($curve:ident, $private:expr, $agreement:expr) => {{
        let sk = $curve::SecretKey::from_slice($private)
            .map_err(|_| Error::InvalidKey("ECDH private key out of range"))?;
        let point = sk.public_key().to_encoded_point(false);
        let (x, y) = match (point.x(), point.y()) {
            (Some(x), Some(y)) => (x.to_vec(), y.to_vec()),
            _ => return Err(Error::InvalidKey("ECDH public key is the identity")),
        };
        Ok(PublicKeyBlob::Ec {
            curve: $agreement,
            x,
            y,
        })
    }};
}

/// The public key blob for a private key: DH → `g^x mod p` (`DHPB` with the group),
/// ECDH → `x·G` (`ECK1`/`ECK3`).
pub fn public_key(
    agreement: SecretAgreement,
    group: Option<&DhGroup>,
    private_key: &[u8],
) -> Result<PublicKeyBlob> {
    match agreement {
        SecretAgreement::Dh => {
            let group = group.ok_or(Error::InvalidKey("DH needs a group"))?;
            let y = dh::modexp(group, group.g(), private_key)?;
            Ok(PublicKeyBlob::Dh {
                group: group.clone(),
                y: y.to_vec(),
            })
        }
        SecretAgreement::EcdhP256 => ec_public_on!(p256, private_key, SecretAgreement::EcdhP256),
        SecretAgreement::EcdhP384 => ec_public_on!(p384, private_key, SecretAgreement::EcdhP384),
    }
}
