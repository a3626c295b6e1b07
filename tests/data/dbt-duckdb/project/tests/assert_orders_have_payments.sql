select * from {{ ref('orders') }} where amount is null
