using System.Security.Cryptography;
using System.Text;
using AkkaKafka.Protocol.Security;

namespace AkkaKafka.Broker.Security;

/// <summary>
/// The server side of SCRAM-SHA-256/512 (RFC 5802, 7677) as Kafka speaks it: client-first → server-first (the
/// client's nonce plus ours, the user's salt and iterations), client-final with the proof → server-final with our
/// signature. Only the stored credential is used (StoredKey to check the proof, ServerKey to sign); comparisons are
/// constant-time. Written here because .NET has the primitives (PBKDF2, HMAC) but no SCRAM server; no channel
/// binding (Kafka has none either), no delegation tokens.
/// </summary>
public sealed class ScramServer : ISaslServer
{
    /// <summary>Kafka's message for a wrong proof, whatever the reason (unknown user included).</summary>
    public static string InvalidCredentials(string mechanism) =>
        $"Authentication failed during authentication due to invalid credentials with SASL mechanism {mechanism}";

    private enum State { ClientFirst, ClientFinal, Done }

    private readonly Func<string, UserCredentials?> _users;
    private readonly Func<string> _serverNonce;
    private State _state = State.ClientFirst;
    private string _user = "";

    public string? User => _user.Length > 0 ? _user : null;
    private ScramCredential? _credential;
    private bool _knownUser;
    private string _gs2Header = "";
    private string _nonce = "";
    private string _clientFirstBare = "";
    private string _serverFirst = "";

    /// <param name="serverNonce">Our part of the nonce; by default 24 random bytes in base64 (no ',' can occur). Specs pass RFC 7677's.</param>
    public ScramServer(string mechanism, Func<string, UserCredentials?> users, Func<string>? serverNonce = null)
    {
        _ = Scram.HashOf(mechanism); // refuses a mechanism that is not SCRAM
        Mechanism = mechanism;
        _users = users;
        _serverNonce = serverNonce ?? (() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)));
    }

    public string Mechanism { get; }

    public SaslStep Evaluate(ReadOnlySpan<byte> clientToken)
    {
        string message;
        try
        {
            message = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(clientToken);
        }
        catch (DecoderFallbackException)
        {
            return Fail("the SCRAM message is not UTF-8");
        }
        return _state switch
        {
            State.ClientFirst => ClientFirst(message),
            State.ClientFinal => ClientFinal(message),
            _ => Fail("the SCRAM exchange is already over"),
        };
    }

    /// <summary>gs2-header "n,," or "y,," (an optional a=authzid), then n=user,r=nonce[,extensions].</summary>
    private SaslStep ClientFirst(string message)
    {
        var parts = message.Split(',');
        if (parts.Length < 4) return Fail("invalid SCRAM client-first message");
        if (parts[0] is not ("n" or "y")) return Fail(parts[0].StartsWith("p=", StringComparison.Ordinal)
            ? "channel binding is not supported" : "invalid SCRAM gs2 header");
        var authorizationId = parts[1];
        if (authorizationId.Length > 0 && !authorizationId.StartsWith("a=", StringComparison.Ordinal)) return Fail("invalid SCRAM gs2 header");
        _gs2Header = parts[0] + "," + authorizationId + ",";
        _clientFirstBare = message[_gs2Header.Length..];

        if (!parts[2].StartsWith("n=", StringComparison.Ordinal) || Unescape(parts[2][2..]) is not { Length: > 0 } user)
            return Fail("invalid SCRAM username");
        if (authorizationId.Length > 0 && Unescape(authorizationId[2..]) != user)
            return Fail("Authentication failed: Client requested an authorization id that is different from username");
        if (!parts[3].StartsWith("r=", StringComparison.Ordinal) || parts[3].Length == 2) return Fail("invalid SCRAM nonce");
        foreach (var extension in parts.Skip(4))
            if (extension == "tokenauth=true") return Fail("delegation tokens are not supported");

        _user = user;
        var known = _users(user)?.For(Mechanism);
        _knownUser = known is not null;
        _credential = known ?? UnknownUserCredentials.For(Mechanism, user);
        _nonce = parts[3][2..] + _serverNonce();
        _serverFirst = $"r={_nonce},s={Convert.ToBase64String(_credential.Salt)},i={_credential.Iterations}";
        _state = State.ClientFinal;
        return SaslStep.Challenge(Encoding.UTF8.GetBytes(_serverFirst));
    }

    /// <summary>c=base64(gs2-header),r=nonce[,extensions],p=proof; the proof is last and outside the signed message.</summary>
    private SaslStep ClientFinal(string message)
    {
        _state = State.Done;
        var proofAt = message.LastIndexOf(",p=", StringComparison.Ordinal);
        if (proofAt < 0) return Fail("invalid SCRAM client-final message: no proof");
        var withoutProof = message[..proofAt];
        var parts = withoutProof.Split(',');
        if (parts.Length < 2 || parts[0] != "c=" + Convert.ToBase64String(Encoding.UTF8.GetBytes(_gs2Header)))
            return Fail("invalid SCRAM channel binding");
        // Kafka's ScramSaslServer accepts a nonce that ends with the one it sent, and clients rely on it: librdkafka 2.0
        // sends its own nonce again in front. Our fresh part is still required, and the proof covers the message as sent.
        if (!parts[1].StartsWith("r=", StringComparison.Ordinal) || !parts[1].EndsWith(_nonce, StringComparison.Ordinal)) return Fail("invalid SCRAM nonce");
        byte[] proof;
        try
        {
            proof = Convert.FromBase64String(message[(proofAt + 3)..]);
        }
        catch (FormatException)
        {
            return Fail("invalid SCRAM proof");
        }

        var credential = _credential!;
        var authMessage = Encoding.UTF8.GetBytes(_clientFirstBare + "," + _serverFirst + "," + withoutProof);
        var clientSignature = Scram.Hmac(Mechanism, credential.StoredKey, authMessage);
        if (proof.Length != clientSignature.Length) return SaslStep.Failed(InvalidCredentials(Mechanism));
        var clientKey = new byte[proof.Length];
        for (var i = 0; i < proof.Length; i++) clientKey[i] = (byte)(proof[i] ^ clientSignature[i]);
        var proven = CryptographicOperations.FixedTimeEquals(Scram.Hash(Mechanism, clientKey), credential.StoredKey);
        if (!proven || !_knownUser) return SaslStep.Failed(InvalidCredentials(Mechanism));

        var serverSignature = Scram.Hmac(Mechanism, credential.ServerKey, authMessage);
        return SaslStep.Succeeded(_user, Encoding.UTF8.GetBytes("v=" + Convert.ToBase64String(serverSignature)));
    }

    private SaslStep Fail(string reason)
    {
        _state = State.Done;
        return SaslStep.Failed(reason.StartsWith("Authentication failed", StringComparison.Ordinal) ? reason : "Authentication failed: " + reason);
    }

    /// <summary>saslname: "=2C" is ',', "=3D" is '='; any other '=' is malformed (null).</summary>
    private static string? Unescape(string name)
    {
        var result = new StringBuilder(name.Length);
        for (var i = 0; i < name.Length; i++)
        {
            if (name[i] != '=') { result.Append(name[i]); continue; }
            if (i + 2 >= name.Length) return null; // '=' needs two characters after it
            var code = name.Substring(i + 1, 2);
            if (code == "2C") result.Append(',');
            else if (code == "3D") result.Append('=');
            else return null;
            i += 2;
        }
        return result.ToString();
    }
}
