using System.Net;
using System.Net.Sockets;

namespace AkkaKafka.Tests.MultiNode.Support;

/// <summary>Loopback ports nobody listens on right now: the OS picks them, we release them for the brokers.</summary>
public static class FreePorts
{
    /// <summary>
    /// <paramref name="count"/> distinct free ports. All listeners are held until every port is chosen,
    /// so the OS cannot hand out the same port twice.
    /// </summary>
    public static IReadOnlyList<int> Take(int count)
    {
        var listeners = new List<TcpListener>();
        try
        {
            for (var i = 0; i < count; i++)
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                listeners.Add(listener);
            }
            return listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToList();
        }
        finally
        {
            foreach (var listener in listeners) listener.Stop();
        }
    }
}
