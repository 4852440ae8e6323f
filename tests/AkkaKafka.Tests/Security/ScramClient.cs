using System.Text;
using AkkaKafka.Protocol.Security;

namespace AkkaKafka.Tests.Security;

/// <summary>
/// The client side of SCRAM for specs (RFC 5802 section 3): builds client-first, then the proof for the server's
/// challenge, and checks the server's signature. Real clients (librdkafka, Confluent.Kafka) are used end to end;
/// this one lets the server's pure exchange be specced token by token.
/// </summary>
/// <param name="repeatClientNonce">Send the client nonce again in front of the combined one, as librdkafka 2.0 does.</param>
public sealed class ScramClient(string mechanism, string user, string password, string clientNonce = "rOprNGfwEbeRWgbNEkqO", bool repeatClientNonce = false)
{
    private string _clientFirstBare = "";
    private byte[] _authMessage = [];
    private byte[] _saltedPassword = [];

    public byte[] ClientFirst()
    {
        _clientFirstBare = $"n={user.Replace("=", "=3D").Replace(",", "=2C")},r={clientNonce}";
        return Encoding.UTF8.GetBytes("n,," + _clientFirstBare);
    }

    public byte[] ClientFinal(byte[] serverFirst)
    {
        var challenge = Encoding.UTF8.GetString(serverFirst);
        var fields = challenge.Split(',').ToDictionary(f => f[..1], f => f[2..]);
        _saltedPassword = Scram.SaltedPassword(mechanism, password, Convert.FromBase64String(fields["s"]), int.Parse(fields["i"]));
        var withoutProof = $"c=biws,r={(repeatClientNonce ? clientNonce : "")}{fields["r"]}";
        _authMessage = Encoding.UTF8.GetBytes(_clientFirstBare + "," + challenge + "," + withoutProof);
        var clientKey = Scram.Hmac(mechanism, _saltedPassword, "Client Key"u8);
        var signature = Scram.Hmac(mechanism, Scram.Hash(mechanism, clientKey), _authMessage);
        var proof = clientKey.Zip(signature, (k, s) => (byte)(k ^ s)).ToArray();
        return Encoding.UTF8.GetBytes($"{withoutProof},p={Convert.ToBase64String(proof)}");
    }

    public bool VerifiesServer(byte[] serverFinal)
    {
        var serverKey = Scram.Hmac(mechanism, _saltedPassword, "Server Key"u8);
        return Encoding.UTF8.GetString(serverFinal) == "v=" + Convert.ToBase64String(Scram.Hmac(mechanism, serverKey, _authMessage));
    }
}
