using System.Diagnostics;
using System.Globalization;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace Cnn.Explainer.Tests;

/// <summary>
/// Publishes samples/Explainer, serves its static files on 127.0.0.1 and opens them in headless Chromium (Debian's
/// chromium and chromium-driver, which .ci/run installs). Shared by the tests of one class.
/// </summary>
public sealed class PageFixture : IDisposable
{
    /// <summary>Debian's Chromium and its driver.</summary>
    public const string ChromiumPath = "/usr/bin/chromium", DriverPath = "/usr/bin/chromedriver";

    /// <summary>Publishes the page, starts the server and the browser; fails when Chromium or its driver is missing.</summary>
    public PageFixture()
    {
        if (!File.Exists(ChromiumPath) || !File.Exists(DriverPath))
            throw new InvalidOperationException(
                $"The browser tests need Debian's Chromium ({ChromiumPath}) and ChromeDriver ({DriverPath}): apt-get install chromium chromium-driver (.ci/run does).");
        RepositoryRoot = FindRepositoryRoot();
        Site = Path.Combine(AppContext.BaseDirectory, "explainer-site");
        if (Directory.Exists(Site)) Directory.Delete(Site, recursive: true); // no files of an earlier publish
        Publish(RepositoryRoot, Site);
        ScreenshotFolder = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(ScreenshotFolder);
        Server = new StaticFileServer(Path.Combine(Site, "wwwroot"));

        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(DriverPath)!, Path.GetFileName(DriverPath));
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        var options = new ChromeOptions { BinaryLocation = ChromiumPath };
        // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1500,1300");
        Driver = new ChromeDriver(service, options, TimeSpan.FromMinutes(3));
        Driver.Manage().Timeouts().AsynchronousJavaScript = TimeSpan.FromMinutes(3);
    }

    /// <summary>The folder holding Cnn.Generator.sln.</summary>
    public string RepositoryRoot { get; }

    /// <summary>The publish folder; the page is its wwwroot.</summary>
    public string Site { get; }

    /// <summary>Where the tests save their screenshots.</summary>
    public string ScreenshotFolder { get; }

    /// <summary>The static file server.</summary>
    public StaticFileServer Server { get; }

    /// <summary>Headless Chromium.</summary>
    public ChromeDriver Driver { get; }

    /// <summary>
    /// Loads the page afresh and waits until it shows its first prediction; returns the time from the start of loading
    /// to that prediction, the time the last file arrived, and the time the page spent computing the prediction (ms).
    /// </summary>
    public (double Load, double Downloaded, double Compute) Open()
    {
        Server.ResetCounts();
        Driver.Navigate().GoToUrl(Server.Address);
        IWebElement load = WaitFor(() => Driver.FindElements(By.CssSelector("#load-time[data-ms]")).FirstOrDefault(), TimeSpan.FromMinutes(2), "the first prediction");
        double downloaded = Convert.ToDouble(Driver.ExecuteScript(
            "return Math.max(...performance.getEntriesByType('resource').map(e => e.responseEnd));"), CultureInfo.InvariantCulture);
        return (double.Parse(load.GetAttribute("data-ms")!, CultureInfo.InvariantCulture), downloaded,
            double.Parse(load.GetAttribute("data-compute-ms")!, CultureInfo.InvariantCulture));
    }

    /// <summary>Polls <paramref name="find"/> until it returns something, or fails naming <paramref name="what"/> (with the page's error, if it shows one).</summary>
    public T WaitFor<T>(Func<T?> find, TimeSpan timeout, string what) where T : class
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                if (find() is { } found) return found;
            }
            catch (StaleElementReferenceException)
            {
                // Blazor re-rendered the element while we read it: look again.
            }
            if (clock.Elapsed > timeout)
            {
                Screenshot("timeout");
                string error = Driver.FindElements(By.Id("blazor-error-ui")).FirstOrDefault(e => e.Displayed)?.Text ?? "no error shown";
                throw new TimeoutException($"The page did not show {what} within {timeout.TotalSeconds} s ({error}); screenshot in {ScreenshotFolder}.");
            }
            Thread.Sleep(100);
        }
    }

    /// <summary>Saves a screenshot as <c>screenshots/name.png</c> and returns its path.</summary>
    public string Screenshot(string name)
    {
        string path = Path.Combine(ScreenshotFolder, name + ".png");
        Driver.GetScreenshot().SaveAsFile(path);
        return path;
    }

    private static void Publish(string root, string output)
    {
        // The test project's reference restores and builds the page and its references first; publish only adds
        // trimming, compression and the static files, and touches no other project (other test assemblies run
        // beside this one and use the same projects).
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { "publish", Path.Combine(root, "samples", "Explainer"), "-c", "Release", "-o", output, "--no-restore", "-p:BuildProjectReferences=false", "-nologo" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(), stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("dotnet publish samples/Explainer took more than 10 minutes.");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"dotnet publish samples/Explainer failed ({process.ExitCode}):\n{stdout.Result}\n{stderr.Result}");
        if (!File.Exists(Path.Combine(output, "wwwroot", "index.html")))
            throw new InvalidOperationException($"dotnet publish wrote no wwwroot/index.html into {output}.");
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Cnn.Generator.sln"))) return dir.FullName;
        throw new InvalidOperationException("Cnn.Generator.sln not found above the test assembly.");
    }

    /// <summary>Closes the browser and stops the server.</summary>
    public void Dispose()
    {
        Driver.Quit();
        Server.Dispose();
    }
}
