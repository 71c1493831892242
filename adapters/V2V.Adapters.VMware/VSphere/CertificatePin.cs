using System.Globalization;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using V2V.Core.Errors;

namespace V2V.Adapters.VMware.VSphere;

/// <summary>
/// Server certificate policy: a certificate that validates normally is accepted; a self-signed
/// one (ESXi and vCenter install such by default) only when its SHA-256 thumbprint was pinned.
/// Thumbprints are colon-separated hex, as <c>openssl x509 -noout -fingerprint -sha256</c> prints
/// them. When a certificate is refused, <see cref="Refused"/> keeps what it was, for the message.
/// </summary>
public sealed class CertificatePin
{
    private readonly byte[]? _pinned;

    /// <param name="thumbprint">SHA-256 thumbprint to accept (colons optional, any case), or null.</param>
    /// <exception cref="UsageException">The text is not 32 bytes of hex.</exception>
    public CertificatePin(string? thumbprint)
    {
        if (thumbprint is not null)
        {
            string hex = thumbprint.Replace(":", "", StringComparison.Ordinal).Trim();
            if (hex.Length != 64 || !hex.All(Uri.IsHexDigit))
            {
                throw new UsageException($"thumbprint \"{thumbprint}\" is not a SHA-256 thumbprint (32 bytes of colon-separated hex, as openssl x509 -fingerprint -sha256 prints it)");
            }

            _pinned = Convert.FromHexString(hex);
        }
    }

    /// <summary>The certificate last refused and why, or null.</summary>
    public (string Thumbprint, SslPolicyErrors Errors)? Refused { get; private set; }

    /// <summary>"AB:CD:..." in upper case, openssl's form.</summary>
    public static string Format(ReadOnlySpan<byte> hash) =>
        string.Join(':', hash.ToArray().Select(b => b.ToString("X2", CultureInfo.InvariantCulture)));

    public static string Sha256Of(X509Certificate certificate) => Format(SHA256.HashData(certificate.GetRawCertData()));

    /// <summary>For <see cref="SslClientAuthenticationOptions.RemoteCertificateValidationCallback"/>.</summary>
    public bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null)
        {
            Refused = ("(none)", errors);
            return false;
        }

        byte[] hash = SHA256.HashData(certificate.GetRawCertData());
        bool accepted = _pinned is null ? errors == SslPolicyErrors.None : CryptographicOperations.FixedTimeEquals(hash, _pinned);
        if (!accepted)
        {
            Refused = (Format(hash), errors);
        }

        return accepted;
    }

    /// <summary>The message for a refused certificate: its thumbprint, how to check it on <paramref name="hostPort"/> and how to pin it.</summary>
    public string Explain(string hostPort = "HOST:443")
    {
        if (Refused is not { } refused)
        {
            return "the TLS handshake failed";
        }

        return _pinned is not null
            ? $"the server's certificate (SHA-256 {refused.Thumbprint}) is not the one pinned ({Format(_pinned)}); if the server's certificate was replaced on purpose, check the new one on the server and pin it with --thumbprint {refused.Thumbprint}"
            : $"the server's certificate is not trusted ({refused.Errors}); its SHA-256 thumbprint is {refused.Thumbprint}. If that is your server's (check with: echo | openssl s_client -connect {hostPort} 2>/dev/null | openssl x509 -noout -fingerprint -sha256), pin it with --thumbprint {refused.Thumbprint}";
    }
}
