using Testbed.Cli;

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

return await TestbedCli.RunAsync(args, cancellationToken: cancel.Token);
