// Starts GraphiQL against this server's /graphql: queries and mutations
// over HTTP POST, subscriptions over a websocket (graphql-transport-ws),
// whose connection_init carries the headers from the Headers tab.
(function () {
  'use strict';
  var ws = (location.protocol === 'https:' ? 'wss:' : 'ws:') + '//' + location.host + '/graphql';
  var fetcher = GraphiQL.createFetcher({ url: '/graphql', subscriptionUrl: ws });
  var defaultQuery = [
    '# satupintu playground (dev mode)',
    '#',
    '# 1. Get a token for a seeded citizen (the list: GET /dev/citizens):',
    "#      curl -s -X POST localhost:8080/dev/token -d '{\"nik\":\"3174011505800001\"}'",
    '# 2. Put it in the Headers tab below:',
    '#      {"Authorization": "Bearer <access_token>"}',
    '# 3. Run this query (the ▶ button). Without a token only appConfig answers.',
    '',
    '{',
    '  home {',
    '    name',
    '    alerts { kind severity title dueDate }',
    '    sources { agency status fetchedAt }',
    '  }',
    '}',
    ''
  ].join('\n');
  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: defaultQuery,
      defaultEditorToolsVisibility: 'headers',
      shouldPersistHeaders: true
    })
  );
})();
