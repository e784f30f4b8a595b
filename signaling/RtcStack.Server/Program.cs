using RtcStack.Server;

return await RtcStackApp.RunAsync(args).ConfigureAwait(false);
