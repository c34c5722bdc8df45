using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Cnn.Explainer.Tests;

/// <summary>
/// A static file server on 127.0.0.1 for the published page: what any web server does for a Blazor WebAssembly app.
/// It serves the precompressed <c>.br</c> or <c>.gz</c> file that <c>dotnet publish</c> writes beside a file when the
/// browser accepts that encoding, and counts the bytes it sends.
/// </summary>
public sealed class StaticFileServer : IDisposable
{
    private static readonly Dictionary<string, string> s_types = new(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript",
        [".mjs"] = "text/javascript",
        [".css"] = "text/css",
        [".json"] = "application/json",
        [".wasm"] = "application/wasm",
        [".png"] = "image/png",
        [".ico"] = "image/x-icon",
        [".svg"] = "image/svg+xml",
    };

    private readonly string _root;
    private readonly HttpListener _listener = new();
    private readonly Task _loop;

    /// <summary>Serves <paramref name="root"/> on a free loopback port.</summary>
    public StaticFileServer(string root)
    {
        _root = Path.GetFullPath(root);
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        Address = $"http://127.0.0.1:{port}/";
        _listener.Prefixes.Add(Address);
        _listener.Start();
        _loop = Task.Run(Serve);
    }

    /// <summary>The server's address, ending in a slash.</summary>
    public string Address { get; }

    /// <summary>The bytes sent for each path since the last <see cref="ResetCounts"/>, as sent (compressed or not).</summary>
    public ConcurrentDictionary<string, long> BytesSent { get; } = new();

    /// <summary>Forgets the counted bytes (before a fresh page load).</summary>
    public void ResetCounts() => BytesSent.Clear();

    private async Task Serve()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            _ = Task.Run(() => Respond(context));
        }
    }

    private void Respond(HttpListenerContext context)
    {
        HttpListenerResponse response = context.Response;
        try
        {
            string path = Uri.UnescapeDataString(context.Request.Url!.AbsolutePath);
            if (path.EndsWith('/')) path += "index.html";
            string file = Path.GetFullPath(Path.Combine(_root, path.TrimStart('/')));
            if (!file.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal) || !File.Exists(file))
            {
                response.StatusCode = 404;
                return;
            }
            response.ContentType = s_types.GetValueOrDefault(Path.GetExtension(file), "application/octet-stream");
            response.AddHeader("Cache-Control", "no-store");
            string accepted = context.Request.Headers["Accept-Encoding"] ?? "";
            string sent = file;
            if (accepted.Contains("br", StringComparison.Ordinal) && File.Exists(file + ".br"))
            {
                sent = file + ".br";
                response.AddHeader("Content-Encoding", "br");
            }
            else if (accepted.Contains("gzip", StringComparison.Ordinal) && File.Exists(file + ".gz"))
            {
                sent = file + ".gz";
                response.AddHeader("Content-Encoding", "gzip");
            }
            byte[] bytes = File.ReadAllBytes(sent);
            response.ContentLength64 = bytes.Length;
            response.OutputStream.Write(bytes);
            BytesSent[path] = bytes.Length;
        }
        catch (Exception e) when (e is IOException or HttpListenerException or UnauthorizedAccessException)
        {
            response.StatusCode = 500;
        }
        finally
        {
            try { response.Close(); } catch (Exception e) when (e is HttpListenerException or ObjectDisposedException) { }
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        try { _loop.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
    }
}
