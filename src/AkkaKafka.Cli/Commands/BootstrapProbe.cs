using System.Net;
using System.Net.Sockets;
using AkkaKafka.Client;
using AkkaKafka.Protocol;

namespace AkkaKafka.Cli.Commands;

/// <summary>
/// Looks at the --bootstrap endpoints before a command starts its ClusterClient: names that do not resolve are a usage
/// error (exit 2), and when every endpoint refuses the connection the cluster is unreachable (exit 1) at once, not
/// after the request timeout. A connect that only times out (a firewall, a slow network) is left to the ClusterClient.
/// </summary>
internal static class BootstrapProbe
{
    public static async Task CheckAsync(IReadOnlyList<HostPort> contacts, TimeSpan within)
    {
        var resolved = await Task.WhenAll(contacts.Select(c => ResolveAsync(c, within)));
        var unresolved = contacts.Where((_, i) => resolved[i] is null).Select(c => c.Host).Distinct().ToList();
        if (unresolved.Count == contacts.Count)
            throw new UsageException($"--bootstrap: host {string.Join(", ", unresolved.Select(h => $"'{h}'"))} does not resolve");
        if (unresolved.Count > 0)
            await Console.Error.WriteLineAsync($"warning: --bootstrap: host {string.Join(", ", unresolved.Select(h => $"'{h}'"))} does not resolve; trying the others");

        var reachable = contacts.Select((c, i) => (Contact: c, Address: resolved[i])).Where(x => x.Address is not null).ToList();
        var outcomes = await Task.WhenAll(reachable.Select(x => ConnectAsync(new IPEndPoint(x.Address!, x.Contact.Port), within)));
        if (outcomes.All(o => o == SocketError.ConnectionRefused))
            throw new ClusterUnavailableException(
                $"connection refused by {string.Join(", ", reachable.Select(x => $"{x.Contact.Host}:{x.Contact.Port}"))} (is a broker running there?)");
    }

    private static async Task<IPAddress?> ResolveAsync(HostPort contact, TimeSpan within)
    {
        if (IPAddress.TryParse(contact.Host.Trim('[', ']'), out var literal)) return literal;
        using var cts = new CancellationTokenSource(within);
        try
        {
            var addresses = await Dns.GetHostAddressesAsync(contact.Host, cts.Token);
            // Prefer IPv4, as the brokers bind 127.0.0.1 by default and "localhost" may list ::1 first.
            return addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault();
        }
        catch (SocketException)
        {
            return null;
        }
        catch (OperationCanceledException)
        {
            // A resolver that does not answer in time is not a name that does not exist: let the client try it.
            return IPAddress.None;
        }
    }

    /// <summary>Success, ConnectionRefused, or TimedOut (and other errors) for one TCP connect; the socket is closed at once.</summary>
    private static async Task<SocketError> ConnectAsync(IPEndPoint endpoint, TimeSpan within)
    {
        if (endpoint.Address.Equals(IPAddress.None)) return SocketError.TimedOut;
        using var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        using var cts = new CancellationTokenSource(within);
        try
        {
            await socket.ConnectAsync(endpoint, cts.Token);
            return SocketError.Success;
        }
        catch (SocketException e)
        {
            return e.SocketErrorCode;
        }
        catch (OperationCanceledException)
        {
            return SocketError.TimedOut;
        }
    }
}
